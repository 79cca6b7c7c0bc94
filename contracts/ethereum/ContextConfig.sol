// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Ed25519Verifier} from "./Ed25519.sol";
import {ContextProxy} from "./ContextProxy.sol";

/// The context config contract: contexts, their members, roles, capabilities, application,
/// revisions, per-identity nonces, invitations (identity-bound, and open ones claimed by
/// commit then reveal), and one ContextProxy per context for proposals and funds.
///
/// Who may act for an ed25519 context identity (docs/ethereum.md):
///  - An identity binds one secp256k1 key ("EVM key") per context, once, with an ed25519
///    signature over bindingMessage(context, key) that this contract verifies on chain
///    (Ed25519Verifier). The creator binds at creation; anyone else with the first request
///    it signs.
///  - Every request is an EIP-712 signature by the bound key over (context, identity,
///    nonce, kind, payload); the nonce must exceed the identity's last one. Any account
///    (a relayer) may submit a request: it cannot forge one (it has neither key), change
///    one (the signature covers every field), or replay one (the nonce is spent, and the
///    domain names chain and contract).
///
/// Every accepted request emits Applied (the change feed) and the events of what changed.
/// A refused request reverts with a custom error that says why.
contract ContextConfig {
    uint8 internal constant ROLE_ADMIN = 1;
    uint8 internal constant ROLE_MEMBER = 2;
    uint8 internal constant ROLE_READER = 3;

    uint8 internal constant CAP_MANAGE_MEMBERS = 1;
    uint8 internal constant CAP_MANAGE_APPLICATION = 2;
    uint8 internal constant CAP_PROXY = 4;
    uint8 internal constant ALL_CAPS = 7;

    // Request kinds; payload = abi.encode of the listed fields.
    uint8 internal constant ADD_MEMBER = 0; // (bytes32 identity, uint8 role)
    uint8 internal constant REMOVE_MEMBER = 1; // (bytes32 identity)
    uint8 internal constant SET_ROLE = 2; // (bytes32 identity, uint8 role)
    uint8 internal constant GRANT = 3; // (bytes32 identity, uint8 capability bit)
    uint8 internal constant REVOKE = 4; // (bytes32 identity, uint8 capability bit)
    uint8 internal constant UPDATE_APPLICATION = 5; // (bytes32 application)
    uint8 internal constant INVITE = 6; // (bytes32 id, uint8 targetKind, bytes32 target, uint8 role, uint64 expiresAt, uint32 maxUses)
    uint8 internal constant REVOKE_INVITATION = 7; // (bytes32 id)
    uint8 internal constant CLAIM = 8; // (bytes32 id)
    uint8 internal constant COMMIT_CLAIM = 9; // (bytes32 id, bytes32 commitment)
    uint8 internal constant REVEAL_CLAIM = 10; // (bytes32 id, bytes proof)
    uint8 internal constant LEAVE = 11; // ()
    uint8 internal constant PROPOSE = 12; // (bytes32 id, ContextProxy.Action[] actions)
    uint8 internal constant APPROVE = 13; // (bytes32 id, ContextProxy.Action[] actions)
    uint8 internal constant SHARE_KEYS = 14; // (bytes32 keyId, bool rotate, KeyShare[] shares)

    uint8 internal constant TARGET_IDENTITY = 1;
    uint8 internal constant TARGET_OPEN = 2;

    bytes32 public constant REQUEST_TYPEHASH =
        keccak256("Request(bytes32 context,bytes32 identity,uint64 nonce,uint8 kind,bytes payload)");
    bytes32 internal constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 internal constant NAME_HASH = keccak256("Moorage");
    bytes32 internal constant VERSION_HASH = keccak256("1");
    /// secp256k1 order / 2: larger s values are the malleable twins (EIP-2).
    uint256 internal constant HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;

    struct Request {
        bytes32 context;
        bytes32 identity;
        uint64 nonce;
        uint8 kind;
        bytes payload;
    }

    /// A context group key wrapped for one member (SHARE_KEYS). Never stored: members read
    /// the shares back from the Applied event's payload.
    struct KeyShare {
        bytes32 recipient;
        bytes wrapped;
    }

    struct Member {
        uint8 role;
        uint8 caps;
        uint32 index; // 1-based position in memberIds
    }

    struct Invitation {
        uint8 kind; // TARGET_IDENTITY or TARGET_OPEN; 0 = none
        uint8 role;
        bool revoked;
        uint32 maxUses;
        uint32 uses;
        uint64 expiresAt; // ms
        bytes32 target; // the invitee, or the open invitation's ed25519 key
        bytes32 createdBy;
    }

    struct Context {
        bytes32 application;
        address proxy;
        uint64 revision;
        uint32 admins;
        uint64 createdBlock;
        bytes32[] memberIds;
        bytes32[] invitationIds;
        mapping(bytes32 => Member) members;
        mapping(bytes32 => uint64) nonces;
        mapping(bytes32 => address) keys;
        mapping(bytes32 => Invitation) invitations;
        /// keccak256(invitation, commitment, claimer) => committed
        mapping(bytes32 => bool) commitments;
    }

    struct MemberView {
        bytes32 identity;
        uint8 role;
        uint8 capabilities;
    }

    struct InvitationView {
        bytes32 id;
        uint8 kind;
        bytes32 target;
        uint8 role;
        uint64 expiresAt;
        uint32 maxUses;
        uint32 uses;
        bool revoked;
        bytes32 createdBy;
    }

    Ed25519Verifier public immutable verifier;
    address public immutable proxyImplementation;

    mapping(bytes32 => Context) internal contexts;
    bool transient locked;

    event ContextCreated(bytes32 indexed context, bytes32 indexed creator, bytes32 application, address proxy);
    event KeyBound(bytes32 indexed context, bytes32 indexed identity, address key);
    /// One per accepted request, in order: the change feed.
    event Applied(bytes32 indexed context, bytes32 indexed identity, uint64 nonce, uint64 revision, uint8 kind, bytes payload);
    event MemberAdded(bytes32 indexed context, bytes32 indexed identity, uint8 role);
    event MemberRemoved(bytes32 indexed context, bytes32 indexed identity);
    event RoleChanged(bytes32 indexed context, bytes32 indexed identity, uint8 role);
    event CapabilitiesChanged(bytes32 indexed context, bytes32 indexed identity, uint8 capabilities);
    event ApplicationUpdated(bytes32 indexed context, bytes32 application);
    event InvitationCreated(bytes32 indexed context, bytes32 indexed invitation, uint8 kind, bytes32 target, uint8 role, uint64 expiresAt, uint32 maxUses);
    event InvitationRevoked(bytes32 indexed context, bytes32 indexed invitation);
    event InvitationClaimed(bytes32 indexed context, bytes32 indexed invitation, bytes32 indexed claimer);
    event ClaimCommitted(bytes32 indexed context, bytes32 indexed invitation, bytes32 commitment, bytes32 claimer);

    // Authentication.
    error UnknownContext(bytes32 context);
    error ContextExists(bytes32 context);
    error BadSignature();
    error BadBinding(bytes32 identity);
    error WrongKey(bytes32 identity, address bound, address signer);
    error StaleNonce(bytes32 identity, uint64 nonce, uint64 last);
    error Reentered();
    error OnlyProxy();
    error CloneFailed();
    // Refusals, in the terms of src/governance/acl.ts.
    error UnknownRequest(uint8 kind);
    error MissingCapability(bytes32 identity, uint8 capability);
    error AdminChangeNeedsProposal(uint8 kind);
    error AlreadyMember(bytes32 identity);
    error NotMember(bytes32 identity);
    error OnlyAdmins(uint8 kind, bytes32 identity);
    error UnknownCapability(uint8 capability);
    error BadApplication();
    error InvitationExists(bytes32 invitation);
    error InvitationRole(uint8 role);
    error InvitationTarget(uint8 kind);
    error MaxUsesNotPositive();
    error AlreadyExpired(uint64 expiresAt);
    error InviteeIsMember(bytes32 identity);
    error NoSuchInvitation(bytes32 invitation);
    error OpenInvitationNeedsReveal(bytes32 invitation);
    error NamesAnotherIdentity(bytes32 invitation);
    error NotOpenInvitation(bytes32 invitation);
    error NoMatchingCommitment(bytes32 invitation);
    error BadClaimProof(bytes32 invitation);
    error InvitationRevokedError(bytes32 invitation);
    error InvitationExpired(bytes32 invitation, uint64 expiresAt);
    error NoUsesLeft(bytes32 invitation);
    error AlreadyAMember(bytes32 identity);
    error LastAdminCannotLeave();
    error NotAdmin(bytes32 identity);
    error LastAdmin();
    error ReaderCannotRotate(bytes32 identity);

    constructor() {
        verifier = new Ed25519Verifier();
        proxyImplementation = address(new ContextProxy(address(this)));
    }

    // ---- Creation and requests ----

    /// Creates the context sha256("moorage:context:v1" ‖ creator ‖ application ‖ salt) with
    /// `creator` as its only admin and `key` as the creator's EVM key. `binding` is the
    /// creator's ed25519 signature (R ‖ s) of bindingMessage(context, key): it authorises both.
    function createContext(bytes32 creator, bytes32 application, bytes32 salt, address key, bytes calldata binding) external returns (bytes32 context) {
        context = contextIdFor(creator, application, salt);
        Context storage c = contexts[context];
        if (c.proxy != address(0)) revert ContextExists(context);
        if (application == bytes32(0)) revert BadApplication();
        if (key == address(0) || !_bindingValid(context, creator, key, binding)) revert BadBinding(creator);
        address proxy = _clone(context);
        c.application = application;
        c.proxy = proxy;
        c.revision = 1;
        c.admins = 1;
        c.createdBlock = uint64(block.number);
        c.keys[creator] = key;
        ContextProxy(payable(proxy)).initialize(context);
        emit ContextCreated(context, creator, application, proxy);
        emit KeyBound(context, creator, key);
        _addMember(c, context, creator, ROLE_ADMIN);
    }

    /// Performs a request signed by the acting identity's bound key. `binding` is empty, or
    /// (for an identity without a key yet) its ed25519 signature binding the signer's key.
    /// Returns the context's revision after the request.
    function execute(Request calldata req, bytes calldata signature, bytes calldata binding) external returns (uint64 revision) {
        if (locked) revert Reentered();
        locked = true;
        Context storage c = contexts[req.context];
        if (c.proxy == address(0)) revert UnknownContext(req.context);
        address signer = _recover(requestDigest(req), signature);
        address bound = c.keys[req.identity];
        if (bound == address(0)) {
            if (!_bindingValid(req.context, req.identity, signer, binding)) revert BadBinding(req.identity);
            c.keys[req.identity] = signer;
            emit KeyBound(req.context, req.identity, signer);
        } else if (bound != signer) {
            revert WrongKey(req.identity, bound, signer);
        }
        uint64 last = c.nonces[req.identity];
        if (req.nonce <= last) revert StaleNonce(req.identity, req.nonce, last);
        c.nonces[req.identity] = req.nonce;
        _apply(c, req);
        revision = ++c.revision;
        emit Applied(req.context, req.identity, req.nonce, revision, req.kind, req.payload);
        locked = false;
    }

    // ---- Called by a context's proxy while it executes a proposal ----

    /// Makes `identity` an admin (adding it if needed, keeping its capabilities) or, when
    /// `admin` is false, demotes an admin to member; never the last admin.
    function setAdmin(bytes32 context, bytes32 identity, bool admin) external returns (uint32 admins) {
        Context storage c = contexts[context];
        if (msg.sender != c.proxy || c.proxy == address(0)) revert OnlyProxy();
        Member storage m = c.members[identity];
        if (admin) {
            if (m.role == ROLE_ADMIN) return c.admins;
            if (m.role == 0) {
                _addMember(c, context, identity, ROLE_ADMIN);
            } else {
                m.role = ROLE_ADMIN;
                emit RoleChanged(context, identity, ROLE_ADMIN);
            }
            return ++c.admins;
        }
        if (m.role != ROLE_ADMIN) revert NotAdmin(identity);
        if (c.admins == 1) revert LastAdmin();
        m.role = ROLE_MEMBER;
        emit RoleChanged(context, identity, ROLE_MEMBER);
        return --c.admins;
    }

    // ---- Reads ----

    function contextIdFor(bytes32 creator, bytes32 application, bytes32 salt) public pure returns (bytes32) {
        return sha256(abi.encodePacked("moorage:context:v1", creator, application, salt));
    }

    /// What an identity signs (ed25519) to bind `key` as its EVM key in `context`.
    function bindingMessage(bytes32 context, address key) public view returns (bytes memory) {
        return abi.encodePacked("moorage:bind:v1", block.chainid, address(this), context, key);
    }

    function domainSeparator() public view returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, NAME_HASH, VERSION_HASH, block.chainid, address(this)));
    }

    /// The EIP-712 digest the bound key signs.
    function requestDigest(Request calldata req) public view returns (bytes32) {
        bytes32 structHash = keccak256(abi.encode(REQUEST_TYPEHASH, req.context, req.identity, req.nonce, req.kind, keccak256(req.payload)));
        return keccak256(abi.encodePacked(hex"1901", domainSeparator(), structHash));
    }

    function getContext(bytes32 context) external view returns (
        bytes32 application,
        address proxy,
        uint64 revision,
        uint64 createdBlock,
        MemberView[] memory members,
        InvitationView[] memory invitations
    ) {
        Context storage c = contexts[context];
        if (c.proxy == address(0)) revert UnknownContext(context);
        members = new MemberView[](c.memberIds.length);
        for (uint256 i = 0; i < members.length; i++) {
            bytes32 id = c.memberIds[i];
            Member storage m = c.members[id];
            members[i] = MemberView(id, m.role, m.caps);
        }
        invitations = new InvitationView[](c.invitationIds.length);
        for (uint256 i = 0; i < invitations.length; i++) {
            bytes32 id = c.invitationIds[i];
            Invitation storage v = c.invitations[id];
            invitations[i] = InvitationView(id, v.kind, v.target, v.role, v.expiresAt, v.maxUses, v.uses, v.revoked, v.createdBy);
        }
        return (c.application, c.proxy, c.revision, c.createdBlock, members, invitations);
    }

    function proxyOf(bytes32 context) external view returns (address) {
        return contexts[context].proxy;
    }

    function roleOf(bytes32 context, bytes32 identity) external view returns (uint8) {
        return contexts[context].members[identity].role;
    }

    function adminCount(bytes32 context) external view returns (uint32) {
        return contexts[context].admins;
    }

    /// The last nonce `identity` used in `context` (0 before its first request).
    function nonceOf(bytes32 context, bytes32 identity) external view returns (uint64) {
        return contexts[context].nonces[identity];
    }

    function keyOf(bytes32 context, bytes32 identity) external view returns (address) {
        return contexts[context].keys[identity];
    }

    // ---- Internals ----

    function _apply(Context storage c, Request calldata req) internal {
        bytes32 author = req.identity;
        uint8 kind = req.kind;
        if (kind == ADD_MEMBER) {
            (bytes32 id, uint8 role) = abi.decode(req.payload, (bytes32, uint8));
            if (role != ROLE_MEMBER && role != ROLE_READER) revert AdminChangeNeedsProposal(ADD_MEMBER);
            _need(c, author, CAP_MANAGE_MEMBERS);
            if (c.members[id].role != 0) revert AlreadyMember(id);
            _addMember(c, req.context, id, role);
        } else if (kind == REMOVE_MEMBER) {
            bytes32 id = abi.decode(req.payload, (bytes32));
            uint8 role = c.members[id].role;
            if (role == 0) revert NotMember(id);
            if (role == ROLE_ADMIN) revert AdminChangeNeedsProposal(REMOVE_MEMBER);
            _need(c, author, CAP_MANAGE_MEMBERS);
            _removeMember(c, req.context, id);
        } else if (kind == SET_ROLE) {
            (bytes32 id, uint8 role) = abi.decode(req.payload, (bytes32, uint8));
            Member storage m = c.members[id];
            if (m.role == 0) revert NotMember(id);
            if (m.role == ROLE_ADMIN || (role != ROLE_MEMBER && role != ROLE_READER)) revert AdminChangeNeedsProposal(SET_ROLE);
            _need(c, author, CAP_MANAGE_MEMBERS);
            m.role = role;
            emit RoleChanged(req.context, id, role);
        } else if (kind == GRANT || kind == REVOKE) {
            (bytes32 id, uint8 cap) = abi.decode(req.payload, (bytes32, uint8));
            if (cap != CAP_MANAGE_MEMBERS && cap != CAP_MANAGE_APPLICATION && cap != CAP_PROXY) revert UnknownCapability(cap);
            if (c.members[author].role != ROLE_ADMIN) revert OnlyAdmins(kind, author);
            Member storage m = c.members[id];
            if (m.role == 0) revert NotMember(id);
            m.caps = kind == GRANT ? m.caps | cap : m.caps & (ALL_CAPS ^ cap);
            emit CapabilitiesChanged(req.context, id, m.caps);
        } else if (kind == UPDATE_APPLICATION) {
            bytes32 app = abi.decode(req.payload, (bytes32));
            if (app == bytes32(0)) revert BadApplication();
            _need(c, author, CAP_MANAGE_APPLICATION);
            c.application = app;
            emit ApplicationUpdated(req.context, app);
        } else if (kind == INVITE) {
            _invite(c, req);
        } else if (kind == REVOKE_INVITATION) {
            bytes32 id = abi.decode(req.payload, (bytes32));
            if (c.invitations[id].kind == 0) revert NoSuchInvitation(id);
            _need(c, author, CAP_MANAGE_MEMBERS);
            c.invitations[id].revoked = true;
            emit InvitationRevoked(req.context, id);
        } else if (kind == CLAIM) {
            bytes32 id = abi.decode(req.payload, (bytes32));
            Invitation storage inv = c.invitations[id];
            if (inv.kind == 0) revert NoSuchInvitation(id);
            if (inv.kind != TARGET_IDENTITY) revert OpenInvitationNeedsReveal(id);
            if (inv.target != author) revert NamesAnotherIdentity(id);
            _usable(c, inv, id, author);
            _admit(c, req.context, inv, id, author);
        } else if (kind == COMMIT_CLAIM) {
            (bytes32 id, bytes32 commitment) = abi.decode(req.payload, (bytes32, bytes32));
            Invitation storage inv = c.invitations[id];
            if (inv.kind == 0) revert NoSuchInvitation(id);
            if (inv.kind != TARGET_OPEN) revert NotOpenInvitation(id);
            _usable(c, inv, id, author);
            // Keyed by claimer too: nobody can overwrite or use another identity's commitment.
            c.commitments[keccak256(abi.encode(id, commitment, author))] = true;
            emit ClaimCommitted(req.context, id, commitment, author);
        } else if (kind == REVEAL_CLAIM) {
            (bytes32 id, bytes memory proof) = abi.decode(req.payload, (bytes32, bytes));
            Invitation storage inv = c.invitations[id];
            if (inv.kind == 0) revert NoSuchInvitation(id);
            if (inv.kind != TARGET_OPEN) revert NotOpenInvitation(id);
            bytes32 slot = keccak256(abi.encode(id, sha256(abi.encodePacked("moorage:commit:v1", id, author, proof)), author));
            if (!c.commitments[slot]) revert NoMatchingCommitment(id);
            if (proof.length != 64) revert BadClaimProof(id);
            bytes32 r;
            bytes32 s;
            assembly ("memory-safe") {
                r := mload(add(proof, 0x20))
                s := mload(add(proof, 0x40))
            }
            if (!verifier.verify(inv.target, r, s, abi.encodePacked("moorage:claim:v1", req.context, id, author))) revert BadClaimProof(id);
            _usable(c, inv, id, author);
            delete c.commitments[slot];
            _admit(c, req.context, inv, id, author);
        } else if (kind == LEAVE) {
            uint8 role = c.members[author].role;
            if (role == 0) revert NotMember(author);
            if (role == ROLE_ADMIN && c.admins == 1) revert LastAdminCannotLeave();
            _removeMember(c, req.context, author);
            if (role == ROLE_ADMIN) ContextProxy(payable(c.proxy)).adminsChanged(--c.admins);
        } else if (kind == PROPOSE) {
            (bytes32 id, ContextProxy.Action[] memory actions) = abi.decode(req.payload, (bytes32, ContextProxy.Action[]));
            _need(c, author, CAP_PROXY);
            ContextProxy(payable(c.proxy)).propose(author, c.members[author].role == ROLE_ADMIN, id, actions);
        } else if (kind == APPROVE) {
            (bytes32 id, ContextProxy.Action[] memory actions) = abi.decode(req.payload, (bytes32, ContextProxy.Action[]));
            if (c.members[author].role != ROLE_ADMIN) revert OnlyAdmins(APPROVE, author);
            ContextProxy(payable(c.proxy)).approve(author, id, actions);
        } else if (kind == SHARE_KEYS) {
            // Any member shares group keys (ordered and authenticated by the chain, not
            // stored); readers may only re-share the current key, not rotate it.
            uint8 role = c.members[author].role;
            if (role == 0) revert NotMember(author);
            (, bool rotate,) = abi.decode(req.payload, (bytes32, bool, KeyShare[]));
            if (rotate && role == ROLE_READER) revert ReaderCannotRotate(author);
        } else {
            revert UnknownRequest(kind);
        }
    }

    function _invite(Context storage c, Request calldata req) internal {
        (bytes32 id, uint8 targetKind, bytes32 target, uint8 role, uint64 expiresAt, uint32 maxUses) =
            abi.decode(req.payload, (bytes32, uint8, bytes32, uint8, uint64, uint32));
        _need(c, req.identity, CAP_MANAGE_MEMBERS);
        if (c.invitations[id].kind != 0) revert InvitationExists(id);
        if (role != ROLE_MEMBER && role != ROLE_READER) revert InvitationRole(role);
        if (targetKind != TARGET_IDENTITY && targetKind != TARGET_OPEN) revert InvitationTarget(targetKind);
        if (maxUses < 1) revert MaxUsesNotPositive();
        if (expiresAt <= _nowMs()) revert AlreadyExpired(expiresAt);
        if (targetKind == TARGET_IDENTITY && c.members[target].role != 0) revert InviteeIsMember(target);
        c.invitations[id] = Invitation(targetKind, role, false, maxUses, 0, expiresAt, target, req.identity);
        c.invitationIds.push(id);
        emit InvitationCreated(req.context, id, targetKind, target, role, expiresAt, maxUses);
    }

    function _usable(Context storage c, Invitation storage inv, bytes32 id, bytes32 claimer) internal view {
        if (inv.revoked) revert InvitationRevokedError(id);
        if (_nowMs() > inv.expiresAt) revert InvitationExpired(id, inv.expiresAt);
        if (inv.uses >= inv.maxUses) revert NoUsesLeft(id);
        if (c.members[claimer].role != 0) revert AlreadyAMember(claimer);
    }

    function _admit(Context storage c, bytes32 context, Invitation storage inv, bytes32 id, bytes32 claimer) internal {
        inv.uses += 1;
        _addMember(c, context, claimer, inv.role);
        emit InvitationClaimed(context, id, claimer);
    }

    function _need(Context storage c, bytes32 identity, uint8 cap) internal view {
        Member storage m = c.members[identity];
        if (m.role == 0 || (m.role != ROLE_ADMIN && m.caps & cap == 0)) revert MissingCapability(identity, cap);
    }

    function _addMember(Context storage c, bytes32 context, bytes32 id, uint8 role) internal {
        c.memberIds.push(id);
        c.members[id] = Member(role, 0, uint32(c.memberIds.length));
        emit MemberAdded(context, id, role);
    }

    function _removeMember(Context storage c, bytes32 context, bytes32 id) internal {
        uint32 index = c.members[id].index;
        bytes32 lastId = c.memberIds[c.memberIds.length - 1];
        c.memberIds[index - 1] = lastId;
        c.members[lastId].index = index;
        c.memberIds.pop();
        delete c.members[id];
        emit MemberRemoved(context, id);
    }

    function _nowMs() internal view returns (uint64) {
        return uint64(block.timestamp) * 1000;
    }

    function _bindingValid(bytes32 context, bytes32 identity, address key, bytes calldata binding) internal view returns (bool) {
        if (binding.length != 64) return false;
        return verifier.verify(identity, bytes32(binding[0:32]), bytes32(binding[32:64]), bindingMessage(context, key));
    }

    function _recover(bytes32 digest, bytes calldata sig) internal pure returns (address signer) {
        if (sig.length != 65) revert BadSignature();
        bytes32 r = bytes32(sig[0:32]);
        bytes32 s = bytes32(sig[32:64]);
        uint8 v = uint8(sig[64]);
        if (uint256(s) > HALF_N || (v != 27 && v != 28)) revert BadSignature();
        signer = ecrecover(digest, v, r, s);
        if (signer == address(0)) revert BadSignature();
    }

    /// An EIP-1167 minimal proxy delegating to the proxy implementation, at an address
    /// fixed by the context id (CREATE2).
    function _clone(bytes32 context) internal returns (address proxy) {
        address impl = proxyImplementation;
        assembly ("memory-safe") {
            let m := mload(0x40)
            // init code: copy the 45-byte runtime and return it; runtime: delegatecall impl
            mstore(m, 0x3d602d80600a3d3981f3363d3d373d3d3d363d73000000000000000000000000)
            mstore(add(m, 0x14), shl(96, impl))
            mstore(add(m, 0x28), 0x5af43d82803e903d91602b57fd5bf30000000000000000000000000000000000)
            proxy := create2(0, m, 0x37, context)
        }
        if (proxy == address(0)) revert CloneFailed();
    }
}
