// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// A test contract wallet (EIP-1271): a signature is valid when its owner signed the hash.
// The owner can hand the wallet over, after which the old owner's signatures stop verifying.
contract OwnedWallet {
    address public owner;

    constructor(address initialOwner) { owner = initialOwner; }

    function setOwner(address next) external {
        require(msg.sender == owner, "not owner");
        owner = next;
    }

    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        if (signature.length != 65) return 0xffffffff;
        bytes32 r = bytes32(signature[0:32]);
        bytes32 s = bytes32(signature[32:64]);
        uint8 v = uint8(signature[64]);
        return ecrecover(hash, v, r, s) == owner ? bytes4(0x1626ba7e) : bytes4(0xffffffff);
    }
}
