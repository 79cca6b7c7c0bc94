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

// A CREATE2 factory for OwnedWallet: its address is known before deployment, so an
// EIP-6492 signature can carry (factory, deploy calldata) for a counterfactual wallet.
contract OwnedWalletFactory {
    function deploy(address owner, bytes32 salt) external returns (address) {
        return address(new OwnedWallet{salt: salt}(owner));
    }

    function addressOf(address owner, bytes32 salt) external view returns (address) {
        bytes32 code = keccak256(abi.encodePacked(type(OwnedWallet).creationCode, abi.encode(owner)));
        return address(uint160(uint256(keccak256(abi.encodePacked(bytes1(0xff), address(this), salt, code)))));
    }
}
