// The Moorage context config contract for Starknet: contexts, members, roles, capabilities,
// application, revisions, per-identity nonces, invitations (identity-bound, and open ones
// claimed by commit then reveal), and per-context governance (proposals, approvals,
// threshold, active-proposal limit, values). Same semantics as contracts/ethereum/
// (ContextConfig.sol + ContextProxy.sol); refusals carry the names of src/governance/acl.ts.
//
// NOT COMPILED HERE: no Cairo compiler (scarb) is reachable on the machines this was
// written on. The devnet (adapters/starknet/devnet/contract.ts) runs these semantics in
// TypeScript, function by function; contracts/starknet/scenarios.json describes what both
// must do.
//
// Who may act for an ed25519 context identity:
//  - The identity binds ONE Stark key per context, once, with an ed25519 signature over
//    binding_message(context, stark_key) (domain, chain id, this contract, context, key).
//    Cairo has no cheap ed25519, so that signature is checked once, by the ed25519
//    verifier contract named at deployment (IEd25519Verifier; a Garaga-style verifier on a
//    real network, the devnet's TypeScript check on the devnet). The creator binds at
//    creation; anyone else with the first request it signs.
//  - Every request is a Stark ECDSA signature by the BOUND key over request_hash(req); the
//    nonce must exceed the identity's last one in that context, and nonces are never
//    deleted (a removed member cannot replay an old request after re-joining).
//  - Every permission is looked up for req.identity only after the signature was checked
//    against the key req.identity bound. An identity with no binding has no key, so no
//    request can ever be made in its name (Calimero's contract checked a Stark signature
//    but then granted the rights of an ed25519 id nothing tied to the signer).
// Any account (a relayer) may submit a request; it can neither forge, alter nor replay one.

#[derive(Drop, Serde, Copy)]
pub struct Request {
    pub context: u256,
    pub identity: u256,
    pub nonce: u64,
    pub kind: u8,
    pub payload: Span<felt252>,
}

#[derive(Drop, Serde, Copy, starknet::Store)]
pub struct Member { pub role: u8, pub caps: u8, pub index: u32 }

#[derive(Drop, Serde, Copy, starknet::Store)]
pub struct Invitation {
    pub kind: u8, pub role: u8, pub revoked: bool, pub max_uses: u32, pub uses: u32,
    pub expires_at: u64, pub target: u256, pub created_by: u256,
}

#[derive(Drop, Serde, Copy, starknet::Store)]
pub struct Proposal { pub author: u256, pub actions_hash: felt252, pub created_at: u64, pub index: u32, pub approvals: u32 }

#[starknet::interface]
pub trait IEd25519Verifier<T> {
    fn verify(self: @T, key: u256, r: u256, s: u256, message: Span<felt252>) -> bool;
}

#[starknet::interface]
pub trait IContextConfig<T> {
    fn create_context(ref self: T, creator: u256, application: u256, salt: u256, stark_key: felt252, binding: Span<felt252>) -> u256;
    fn execute(ref self: T, req: Request, signature: Span<felt252>, binding: Span<felt252>) -> u64;
    fn nonce_of(self: @T, context: u256, identity: u256) -> u64;
    fn key_of(self: @T, context: u256, identity: u256) -> felt252;
    fn role_of(self: @T, context: u256, identity: u256) -> u8;
    fn revision_of(self: @T, context: u256) -> u64;
    fn request_hash(self: @T, req: Request) -> felt252;
    fn binding_message(self: @T, context: u256, stark_key: felt252) -> Span<felt252>;
}

#[starknet::contract]
pub mod ContextConfig {
    use core::ecdsa::check_ecdsa_signature;
    use core::poseidon::poseidon_hash_span;
    use core::sha256::compute_sha256_byte_array;
    use starknet::storage::{Map, StorageMapReadAccess, StorageMapWriteAccess};
    use starknet::{ContractAddress, get_block_timestamp, get_contract_address, get_tx_info};
    use super::{IEd25519VerifierDispatcher, IEd25519VerifierDispatcherTrait, Invitation, Member, Proposal, Request};

    pub const ROLE_ADMIN: u8 = 1;
    pub const ROLE_MEMBER: u8 = 2;
    pub const ROLE_READER: u8 = 3;
    pub const CAP_MANAGE_MEMBERS: u8 = 1;
    pub const CAP_MANAGE_APPLICATION: u8 = 2;
    pub const CAP_PROXY: u8 = 4;
    pub const ALL_CAPS: u8 = 7;
    // Request kinds, as in ContextConfig.sol; payload = the listed fields, u256 as (low, high).
    pub const ADD_MEMBER: u8 = 0; // (identity, role)
    pub const REMOVE_MEMBER: u8 = 1; // (identity)
    pub const SET_ROLE: u8 = 2; // (identity, role)
    pub const GRANT: u8 = 3; // (identity, capability)
    pub const REVOKE: u8 = 4; // (identity, capability)
    pub const UPDATE_APPLICATION: u8 = 5; // (application)
    pub const INVITE: u8 = 6; // (id, target kind, target, role, expires_at ms, max_uses)
    pub const REVOKE_INVITATION: u8 = 7; // (id)
    pub const CLAIM: u8 = 8; // (id)
    pub const COMMIT_CLAIM: u8 = 9; // (id, commitment)
    pub const REVEAL_CLAIM: u8 = 10; // (id, r, s)  ed25519 proof by the open invitation's key
    pub const LEAVE: u8 = 11; // ()
    pub const PROPOSE: u8 = 12; // (id, actions...)
    pub const APPROVE: u8 = 13; // (id, actions...)
    pub const SHARE_KEYS: u8 = 14; // (key id, rotate, shares...)  never stored: read from the event
    pub const TARGET_IDENTITY: u8 = 1;
    pub const TARGET_OPEN: u8 = 2;
    pub const DEFAULT_ACTIVE_LIMIT: u32 = 10;
    pub const MAX_ACTIONS: u32 = 16;
    pub const REQUEST_DOMAIN: felt252 = 'moorage:starknet:request:v1';
    pub const BIND_DOMAIN: felt252 = 'moorage:starknet:bind:v1';

    #[storage]
    struct Storage {
        verifier: ContractAddress,
        application: Map<u256, u256>,
        revision: Map<u256, u64>,
        admins: Map<u256, u32>,
        created_block: Map<u256, u64>,
        members: Map<(u256, u256), Member>,
        member_ids: Map<(u256, u32), u256>,
        member_count: Map<u256, u32>,
        // Never deleted, also not on removal: the replay guard outlives membership.
        nonces: Map<(u256, u256), u64>,
        keys: Map<(u256, u256), felt252>,
        invitations: Map<(u256, u256), Invitation>,
        invitation_ids: Map<(u256, u32), u256>,
        invitation_count: Map<u256, u32>,
        // poseidon(context, invitation, commitment, claimer) => committed
        commitments: Map<felt252, bool>,
        threshold: Map<u256, u32>,
        active_limit: Map<u256, u32>,
        proposals: Map<(u256, u256), Proposal>,
        approved: Map<(u256, u256, u256), bool>,
        // A decided proposal id is spent for good: a replayed propose + approve is refused.
        decided: Map<(u256, u256), bool>,
        open_proposals: Map<u256, u32>,
        values: Map<(u256, felt252), felt252>,
    }

    #[event]
    #[derive(Drop, starknet::Event)]
    pub enum Event {
        ContextCreated: ContextCreated,
        KeyBound: KeyBound,
        Applied: Applied,
    }

    #[derive(Drop, starknet::Event)]
    pub struct ContextCreated { #[key] pub context: u256, #[key] pub creator: u256, pub application: u256 }
    #[derive(Drop, starknet::Event)]
    pub struct KeyBound { #[key] pub context: u256, #[key] pub identity: u256, pub stark_key: felt252 }
    /// One per accepted request, in order: the change feed.
    #[derive(Drop, starknet::Event)]
    pub struct Applied {
        #[key] pub context: u256, #[key] pub identity: u256,
        pub nonce: u64, pub revision: u64, pub kind: u8, pub payload: Span<felt252>,
    }

    #[constructor]
    fn constructor(ref self: ContractState, verifier: ContractAddress) {
        self.verifier.write(verifier);
    }

    #[abi(embed_v0)]
    impl ContextConfigImpl of super::IContextConfig<ContractState> {
        /// Creates context sha256("moorage:context:v1" ‖ creator ‖ application ‖ salt) with the
        /// creator as its only admin and `stark_key` bound for it; `binding` = (r.low, r.high,
        /// s.low, s.high) of the creator's ed25519 signature over binding_message.
        fn create_context(ref self: ContractState, creator: u256, application: u256, salt: u256, stark_key: felt252, binding: Span<felt252>) -> u256 {
            let context = context_id_for(creator, application, salt);
            assert(self.revision.read(context) == 0, 'ContextExists');
            assert(application != 0, 'BadApplication');
            assert(stark_key != 0 && self.binding_valid(context, creator, stark_key, binding), 'BadBinding');
            self.application.write(context, application);
            self.revision.write(context, 1);
            self.admins.write(context, 1);
            self.threshold.write(context, 1);
            self.active_limit.write(context, DEFAULT_ACTIVE_LIMIT);
            self.created_block.write(context, starknet::get_block_number());
            self.keys.write((context, creator), stark_key);
            self.emit(ContextCreated { context, creator, application });
            self.emit(KeyBound { context, identity: creator, stark_key });
            self.add_member(context, creator, ROLE_ADMIN);
            context
        }

        /// Performs a request signed (r, s) by the acting identity's bound Stark key. `binding`
        /// is empty, or (for an identity with no key yet in this context) the ed25519 binding of
        /// `signature`'s key, given as the 5th signature felt (the public key). Returns the
        /// context's revision after the request.
        fn execute(ref self: ContractState, req: Request, signature: Span<felt252>, binding: Span<felt252>) -> u64 {
            assert(self.revision.read(req.context) != 0, 'UnknownContext');
            assert(signature.len() == 3, 'BadSignature');
            let (r, s, key) = (*signature[0], *signature[1], *signature[2]);
            let bound = self.keys.read((req.context, req.identity));
            if bound == 0 {
                assert(self.binding_valid(req.context, req.identity, key, binding), 'BadBinding');
                self.keys.write((req.context, req.identity), key);
                self.emit(KeyBound { context: req.context, identity: req.identity, stark_key: key });
            } else {
                assert(bound == key, 'WrongKey');
            }
            // The signature is checked against the key the identity bound; from here on every
            // right is req.identity's and no one else's.
            assert(check_ecdsa_signature(self.request_hash(req), key, r, s), 'BadSignature');
            let last = self.nonces.read((req.context, req.identity));
            assert(req.nonce > last, 'StaleNonce');
            self.nonces.write((req.context, req.identity), req.nonce);
            self.apply(req);
            let revision = self.revision.read(req.context) + 1;
            self.revision.write(req.context, revision);
            self.emit(Applied { context: req.context, identity: req.identity, nonce: req.nonce, revision, kind: req.kind, payload: req.payload });
            revision
        }

        fn nonce_of(self: @ContractState, context: u256, identity: u256) -> u64 { self.nonces.read((context, identity)) }
        fn key_of(self: @ContractState, context: u256, identity: u256) -> felt252 { self.keys.read((context, identity)) }
        fn role_of(self: @ContractState, context: u256, identity: u256) -> u8 { self.members.read((context, identity)).role }
        fn revision_of(self: @ContractState, context: u256) -> u64 { self.revision.read(context) }

        /// Poseidon(domain, chain id, this contract, context, identity, nonce, kind, Poseidon(payload)).
        fn request_hash(self: @ContractState, req: Request) -> felt252 {
            let chain_id = get_tx_info().unbox().chain_id;
            poseidon_hash_span(array![
                REQUEST_DOMAIN, chain_id, get_contract_address().into(),
                req.context.low.into(), req.context.high.into(), req.identity.low.into(), req.identity.high.into(),
                req.nonce.into(), req.kind.into(), poseidon_hash_span(req.payload),
            ].span())
        }

        /// What an identity signs (ed25519) to bind `stark_key` as its key in `context`.
        fn binding_message(self: @ContractState, context: u256, stark_key: felt252) -> Span<felt252> {
            let chain_id = get_tx_info().unbox().chain_id;
            array![BIND_DOMAIN, chain_id, get_contract_address().into(), context.low.into(), context.high.into(), stark_key].span()
        }
    }

    fn context_id_for(creator: u256, application: u256, salt: u256) -> u256 {
        // sha256("moorage:context:v1" ‖ creator ‖ application ‖ salt), as src/governance/context-id.ts.
        let mut bytes: ByteArray = "moorage:context:v1";
        for v in array![creator, application, salt] {
            bytes.append_word(v.high.into(), 16);
            bytes.append_word(v.low.into(), 16);
        };
        let w = compute_sha256_byte_array(@bytes);
        let mut acc: u256 = 0;
        for word in w.span() { acc = acc * 0x100000000 + (*word).into(); };
        acc
    }

    fn read_u256(p: Span<felt252>, at: u32) -> u256 {
        u256 { low: (*p[at]).try_into().unwrap(), high: (*p[at + 1]).try_into().unwrap() }
    }

    fn read_u8(p: Span<felt252>, at: u32) -> u8 { (*p[at]).try_into().unwrap() }

    #[generate_trait]
    impl Internal of InternalTrait {
        fn binding_valid(self: @ContractState, context: u256, identity: u256, key: felt252, binding: Span<felt252>) -> bool {
            if binding.len() != 4 { return false; }
            let r = read_u256(binding, 0);
            let s = read_u256(binding, 2);
            let verifier = IEd25519VerifierDispatcher { contract_address: self.verifier.read() };
            verifier.verify(identity, r, s, self.binding_message(context, key))
        }

        fn now_ms(self: @ContractState) -> u64 { get_block_timestamp() * 1000 }

        fn need(self: @ContractState, context: u256, identity: u256, cap: u8) {
            let m = self.members.read((context, identity));
            assert(m.role != 0 && (m.role == ROLE_ADMIN || (m.caps & cap) != 0), 'MissingCapability');
        }

        fn add_member(ref self: ContractState, context: u256, id: u256, role: u8) {
            let n = self.member_count.read(context) + 1;
            self.member_count.write(context, n);
            self.member_ids.write((context, n), id);
            self.members.write((context, id), Member { role, caps: 0, index: n });
        }

        fn remove_member(ref self: ContractState, context: u256, id: u256) {
            let index = self.members.read((context, id)).index;
            let n = self.member_count.read(context);
            let last_id = self.member_ids.read((context, n));
            self.member_ids.write((context, index), last_id);
            let mut last = self.members.read((context, last_id));
            last.index = index;
            self.members.write((context, last_id), last);
            self.member_count.write(context, n - 1);
            self.members.write((context, id), Member { role: 0, caps: 0, index: 0 });
        }

        fn usable(self: @ContractState, context: u256, inv: Invitation, claimer: u256) {
            assert(!inv.revoked, 'InvitationRevoked');
            assert(self.now_ms() <= inv.expires_at, 'InvitationExpired');
            assert(inv.uses < inv.max_uses, 'NoUsesLeft');
            assert(self.members.read((context, claimer)).role == 0, 'ClaimerIsMember');
        }

        fn admit(ref self: ContractState, context: u256, id: u256, mut inv: Invitation, claimer: u256) {
            inv.uses += 1;
            self.invitations.write((context, id), inv);
            self.add_member(context, claimer, inv.role);
        }

        fn apply(ref self: ContractState, req: Request) {
            let (c, author, kind, p) = (req.context, req.identity, req.kind, req.payload);
            if kind == ADD_MEMBER {
                let (id, role) = (read_u256(p, 0), read_u8(p, 2));
                assert(role == ROLE_MEMBER || role == ROLE_READER, 'AdminAddNeedsProposal');
                self.need(c, author, CAP_MANAGE_MEMBERS);
                assert(self.members.read((c, id)).role == 0, 'AlreadyMember');
                self.add_member(c, id, role);
            } else if kind == REMOVE_MEMBER {
                let id = read_u256(p, 0);
                let role = self.members.read((c, id)).role;
                assert(role != 0, 'NotMember');
                assert(role != ROLE_ADMIN, 'AdminRemoveNeedsProposal');
                self.need(c, author, CAP_MANAGE_MEMBERS);
                self.remove_member(c, id);
            } else if kind == SET_ROLE {
                let (id, role) = (read_u256(p, 0), read_u8(p, 2));
                let mut m = self.members.read((c, id));
                assert(m.role != 0, 'NotMember');
                assert(m.role != ROLE_ADMIN && (role == ROLE_MEMBER || role == ROLE_READER), 'AdminRoleNeedsProposal');
                self.need(c, author, CAP_MANAGE_MEMBERS);
                m.role = role;
                self.members.write((c, id), m);
            } else if kind == GRANT || kind == REVOKE {
                let (id, cap) = (read_u256(p, 0), read_u8(p, 2));
                assert(cap == CAP_MANAGE_MEMBERS || cap == CAP_MANAGE_APPLICATION || cap == CAP_PROXY, 'UnknownCapability');
                assert(self.members.read((c, author)).role == ROLE_ADMIN, 'OnlyAdminsCapabilities');
                let mut m = self.members.read((c, id));
                assert(m.role != 0, 'NotMember');
                m.caps = if kind == GRANT { m.caps | cap } else { m.caps & (ALL_CAPS ^ cap) };
                self.members.write((c, id), m);
            } else if kind == UPDATE_APPLICATION {
                let app = read_u256(p, 0);
                assert(app != 0, 'BadApplication');
                self.need(c, author, CAP_MANAGE_APPLICATION);
                self.application.write(c, app);
            } else if kind == INVITE {
                let id = read_u256(p, 0);
                let target_kind = read_u8(p, 2);
                let target = read_u256(p, 3);
                let role = read_u8(p, 5);
                let expires_at: u64 = (*p[6]).try_into().unwrap();
                let max_uses: u32 = (*p[7]).try_into().unwrap();
                self.need(c, author, CAP_MANAGE_MEMBERS);
                assert(self.invitations.read((c, id)).kind == 0, 'InvitationExists');
                assert(role == ROLE_MEMBER || role == ROLE_READER, 'InvitationRole');
                assert(target_kind == TARGET_IDENTITY || target_kind == TARGET_OPEN, 'InvitationTarget');
                assert(max_uses >= 1, 'MaxUsesNotPositive');
                assert(expires_at > self.now_ms(), 'AlreadyExpired');
                assert(target_kind != TARGET_IDENTITY || self.members.read((c, target)).role == 0, 'InviteeIsMember');
                self.invitations.write((c, id), Invitation { kind: target_kind, role, revoked: false, max_uses, uses: 0, expires_at, target, created_by: author });
                let n = self.invitation_count.read(c) + 1;
                self.invitation_count.write(c, n);
                self.invitation_ids.write((c, n), id);
            } else if kind == REVOKE_INVITATION {
                let id = read_u256(p, 0);
                let mut inv = self.invitations.read((c, id));
                assert(inv.kind != 0, 'NoSuchInvitation');
                self.need(c, author, CAP_MANAGE_MEMBERS);
                inv.revoked = true;
                self.invitations.write((c, id), inv);
            } else if kind == CLAIM {
                let id = read_u256(p, 0);
                let inv = self.invitations.read((c, id));
                assert(inv.kind != 0, 'NoSuchInvitation');
                assert(inv.kind == TARGET_IDENTITY, 'OpenInvitationNeedsReveal');
                assert(inv.target == author, 'NamesAnotherIdentity');
                self.usable(c, inv, author);
                self.admit(c, id, inv, author);
            } else if kind == COMMIT_CLAIM {
                let id = read_u256(p, 0);
                let commitment = read_u256(p, 2);
                let inv = self.invitations.read((c, id));
                assert(inv.kind != 0, 'NoSuchInvitation');
                assert(inv.kind == TARGET_OPEN, 'CommitNeedsOpenInvitation');
                self.usable(c, inv, author);
                // Keyed by claimer too: nobody can overwrite or use another identity's commitment.
                self.commitments.write(commit_slot(c, id, commitment, author), true);
            } else if kind == REVEAL_CLAIM {
                let id = read_u256(p, 0);
                let (r, s) = (read_u256(p, 2), read_u256(p, 4));
                let inv = self.invitations.read((c, id));
                assert(inv.kind != 0, 'NoSuchInvitation');
                assert(inv.kind == TARGET_OPEN, 'NotOpenInvitation');
                let slot = commit_slot(c, id, poseidon_hash_span(array![id.low.into(), id.high.into(), author.low.into(), author.high.into(), r.low.into(), r.high.into(), s.low.into(), s.high.into()].span()).into(), author);
                assert(self.commitments.read(slot), 'NoMatchingCommitment');
                let message = array!['moorage:claim:v1', c.low.into(), c.high.into(), id.low.into(), id.high.into(), author.low.into(), author.high.into()].span();
                let verifier = IEd25519VerifierDispatcher { contract_address: self.verifier.read() };
                assert(verifier.verify(inv.target, r, s, message), 'BadClaimProof');
                self.usable(c, inv, author);
                self.commitments.write(slot, false);
                self.admit(c, id, inv, author);
            } else if kind == LEAVE {
                let role = self.members.read((c, author)).role;
                assert(role != 0, 'NotMember');
                let admins = self.admins.read(c);
                assert(role != ROLE_ADMIN || admins > 1, 'LastAdminCannotLeave');
                self.remove_member(c, author);
                if role == ROLE_ADMIN { self.set_admins(c, admins - 1); }
            } else if kind == PROPOSE {
                self.need(c, author, CAP_PROXY);
                self.propose(c, author, read_u256(p, 0), p.slice(2, p.len() - 2));
            } else if kind == APPROVE {
                assert(self.members.read((c, author)).role == ROLE_ADMIN, 'OnlyAdminsApprove');
                self.approve(c, author, read_u256(p, 0), p.slice(2, p.len() - 2));
            } else if kind == SHARE_KEYS {
                // Any member shares group keys; readers may only re-share, never rotate.
                let role = self.members.read((c, author)).role;
                assert(role != 0, 'KeysNotMember');
                assert(!(role == ROLE_READER && *p[2] != 0), 'ReaderCannotRotate');
            } else {
                assert(false, 'UnknownRequest');
            }
        }

        // ---- Per-context governance (ContextProxy.sol's part) ----

        fn set_admins(ref self: ContractState, c: u256, admins: u32) {
            self.admins.write(c, admins);
            // Keeps the threshold reachable.
            if self.threshold.read(c) > admins && admins > 0 { self.threshold.write(c, admins); }
        }

        fn propose(ref self: ContractState, c: u256, author: u256, id: u256, actions: Span<felt252>) {
            assert(self.proposals.read((c, id)).index == 0, 'ProposalExists');
            assert(!self.decided.read((c, id)), 'ProposalSpent');
            let count: u32 = (*actions[0]).try_into().unwrap();
            assert(count >= 1 && count <= MAX_ACTIONS, 'ActionCount');
            let open = self.open_proposals.read(c);
            assert(open < self.active_limit.read(c), 'ActiveLimitReached');
            let index = open + 1;
            self.open_proposals.write(c, index);
            self.proposals.write((c, id), Proposal { author, actions_hash: poseidon_hash_span(actions), created_at: self.now_ms(), index, approvals: 0 });
            // The author's proposal counts as its approval when the author is an admin.
            if self.members.read((c, author)).role == ROLE_ADMIN { self.count_approval(c, author, id, actions); }
        }

        fn approve(ref self: ContractState, c: u256, approver: u256, id: u256, actions: Span<felt252>) {
            let p = self.proposals.read((c, id));
            assert(p.index != 0, 'NoSuchProposal');
            assert(!self.approved.read((c, id, approver)), 'AlreadyApproved');
            assert(poseidon_hash_span(actions) == p.actions_hash, 'ActionsMismatch');
            self.count_approval(c, approver, id, actions);
        }

        fn count_approval(ref self: ContractState, c: u256, approver: u256, id: u256, actions: Span<felt252>) {
            self.approved.write((c, id, approver), true);
            let mut p = self.proposals.read((c, id));
            p.approvals += 1;
            self.proposals.write((c, id), p);
            if p.approvals >= self.threshold.read(c) {
                self.decided.write((c, id), true);
                self.proposals.write((c, id), Proposal { author: 0, actions_hash: 0, created_at: 0, index: 0, approvals: 0 });
                self.open_proposals.write(c, self.open_proposals.read(c) - 1);
                self.run_actions(c, actions);
            }
        }

        /// Runs a decided proposal's actions: (count, then per action: kind, fields...).
        /// CALL and TRANSFER (funds held for the context) are not in this version: see docs/starknet.md.
        fn run_actions(ref self: ContractState, c: u256, actions: Span<felt252>) {
            let count: u32 = (*actions[0]).try_into().unwrap();
            let mut at: u32 = 1;
            let mut i: u32 = 0;
            while i < count {
                let kind: u8 = (*actions[at]).try_into().unwrap();
                if kind == 0 { // SET_THRESHOLD (threshold)
                    let t: u32 = (*actions[at + 1]).try_into().unwrap();
                    assert(t >= 1, 'ThresholdNotPositive');
                    assert(t <= self.admins.read(c), 'ThresholdExceedsAdmins');
                    self.threshold.write(c, t);
                    at += 2;
                } else if kind == 1 { // SET_ACTIVE_LIMIT (limit)
                    let limit: u32 = (*actions[at + 1]).try_into().unwrap();
                    assert(limit >= 1, 'LimitNotPositive');
                    self.active_limit.write(c, limit);
                    at += 2;
                } else if kind == 2 { // ADD_ADMIN (identity)
                    let id = read_u256(actions, at + 1);
                    let mut m = self.members.read((c, id));
                    if m.role != ROLE_ADMIN {
                        if m.role == 0 { self.add_member(c, id, ROLE_ADMIN); } else { m.role = ROLE_ADMIN; self.members.write((c, id), m); }
                        self.set_admins(c, self.admins.read(c) + 1);
                    }
                    at += 3;
                } else if kind == 3 { // REMOVE_ADMIN (identity)
                    let id = read_u256(actions, at + 1);
                    let mut m = self.members.read((c, id));
                    assert(m.role == ROLE_ADMIN, 'NotAdmin');
                    assert(self.admins.read(c) > 1, 'LastAdmin');
                    m.role = ROLE_MEMBER;
                    self.members.write((c, id), m);
                    self.set_admins(c, self.admins.read(c) - 1);
                    at += 3;
                } else if kind == 4 { // SET_VALUE (key hash, value hash)
                    self.values.write((c, *actions[at + 1]), *actions[at + 2]);
                    at += 3;
                } else if kind == 5 { // DELETE_PROPOSAL (proposal)
                    let pid = read_u256(actions, at + 1);
                    if self.proposals.read((c, pid)).index != 0 {
                        self.proposals.write((c, pid), Proposal { author: 0, actions_hash: 0, created_at: 0, index: 0, approvals: 0 });
                        self.decided.write((c, pid), true);
                        self.open_proposals.write(c, self.open_proposals.read(c) - 1);
                    }
                    at += 3;
                } else {
                    assert(false, 'UnknownProposalAction');
                }
                i += 1;
            };
        }
    }

    fn commit_slot(c: u256, id: u256, commitment: u256, claimer: u256) -> felt252 {
        poseidon_hash_span(array![c.low.into(), c.high.into(), id.low.into(), id.high.into(), commitment.low.into(), commitment.high.into(), claimer.low.into(), claimer.high.into()].span())
    }
}
