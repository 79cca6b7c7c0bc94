// The Moorage context config contract for Starknet: contexts, members, roles, capabilities,
// application, revisions, per-identity nonces, invitations (identity-bound, and open ones
// claimed by commit then reveal), and per-context governance (proposals, approvals,
// threshold, active-proposal limit, values, and the context's STRK: funded in, paid out and
// calls made by proposals). Same semantics as contracts/ethereum/
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
pub struct Proposal { pub author: u256, pub created_at: u64, pub index: u32, pub approvals: u32, pub actions_len: u32 }

/// An open proposal as the views return it: its approvers (current admins or not) and its actions' felts.
#[derive(Drop, Serde)]
pub struct ProposalView { pub id: u256, pub author: u256, pub created_at: u64, pub approvers: Array<u256>, pub actions: Array<felt252> }

/// What the per-context views return first: (application, revision, threshold, active_limit, created_block).
#[derive(Drop, Serde, Copy)]
pub struct Settings { pub application: u256, pub revision: u64, pub threshold: u32, pub active_limit: u32, pub created_block: u64 }

#[starknet::interface]
pub trait IEd25519Verifier<T> {
    /// Whether (r, s) is key's ed25519 signature over `message` (the bytes, verbatim).
    fn verify(self: @T, key: u256, r: u256, s: u256, message: ByteArray) -> bool;
}

/// The STRK token's part the contract uses (OpenZeppelin's ERC-20).
#[starknet::interface]
pub trait IERC20<T> {
    fn transfer(ref self: T, recipient: starknet::ContractAddress, amount: u256) -> bool;
    fn transfer_from(ref self: T, sender: starknet::ContractAddress, recipient: starknet::ContractAddress, amount: u256) -> bool;
}

#[starknet::interface]
pub trait IContextConfig<T> {
    fn create_context(ref self: T, creator: u256, application: u256, salt: u256, stark_key: felt252, binding: Span<felt252>) -> u256;
    fn execute(ref self: T, req: Request, signature: Span<felt252>, binding: Span<felt252>) -> u64;
    fn fund(ref self: T, context: u256, amount: u256);
    fn funds_of(self: @T, context: u256) -> u256;
    fn nonce_of(self: @T, context: u256, identity: u256) -> u64;
    fn key_of(self: @T, context: u256, identity: u256) -> felt252;
    fn role_of(self: @T, context: u256, identity: u256) -> u8;
    fn revision_of(self: @T, context: u256) -> u64;
    fn settings_of(self: @T, context: u256) -> Settings;
    fn members_of(self: @T, context: u256) -> Array<(u256, Member)>;
    fn invitations_of(self: @T, context: u256) -> Array<(u256, Invitation)>;
    fn proposals_of(self: @T, context: u256) -> Array<ProposalView>;
    fn request_hash(self: @T, req: Request) -> felt252;
    fn binding_message(self: @T, context: u256, stark_key: felt252) -> ByteArray;
}

#[starknet::contract]
pub mod ContextConfig {
    use core::dict::{Felt252Dict, Felt252DictTrait};
    use core::ecdsa::check_ecdsa_signature;
    use core::poseidon::poseidon_hash_span;
    use core::sha256::compute_sha256_byte_array;
    use starknet::storage::{Map, StorageMapReadAccess, StorageMapWriteAccess};
    use starknet::syscalls::call_contract_syscall;
    use starknet::{ContractAddress, get_block_timestamp, get_caller_address, get_contract_address, get_tx_info};
    use super::{IERC20Dispatcher, IERC20DispatcherTrait, IEd25519VerifierDispatcher, IEd25519VerifierDispatcherTrait, Invitation, Member, Proposal, ProposalView, Request, Settings};

    pub const ROLE_ADMIN: u8 = 1;
    pub const ROLE_MEMBER: u8 = 2;
    pub const ROLE_READER: u8 = 3;
    pub const CAP_MANAGE_MEMBERS: u8 = 1;
    pub const CAP_MANAGE_APPLICATION: u8 = 2;
    pub const CAP_PROXY: u8 = 4;
    pub const ALL_CAPS: u8 = 7;
    // Request kinds, as in ContextConfig.sol; payload = the listed fields, u256 as (low, high).
    // Felts after the listed fields are not read here; they travel in the Applied event for
    // the nodes (a removal's or a leave's frontier: count, then u256 heads).
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
    pub const PROPOSE: u8 = 12; // (id, actions)  actions = (count, then per action: kind, fields)
    pub const APPROVE: u8 = 13; // (id)
    pub const SHARE_KEYS: u8 = 14; // (key id, rotate, shares...)  never stored: read from the event
    pub const TARGET_IDENTITY: u8 = 1;
    pub const TARGET_OPEN: u8 = 2;
    // Proposal actions.
    pub const SET_THRESHOLD: u8 = 0; // (threshold)
    pub const SET_ACTIVE_LIMIT: u8 = 1; // (limit)
    pub const ADD_ADMIN: u8 = 2; // (identity)
    pub const REMOVE_ADMIN: u8 = 3; // (identity)
    pub const SET_VALUE: u8 = 4; // (key bytes, value bytes), each (length, 31-byte big-endian chunks)
    pub const DELETE_PROPOSAL: u8 = 5; // (proposal)
    pub const CALL: u8 = 6; // (target, selector, calldata: (length, felts))  from this contract's address
    pub const TRANSFER: u8 = 7; // (to, amount u256)  STRK out of the context's funds
    /// The STRK token (the same address on mainnet, Sepolia and the devnet). A context's funds
    /// are STRK sent in with `fund`, kept apart per context in `funds`.
    pub const STRK_TOKEN: felt252 = 0x04718f5a0fc34cc1af16a1cdee98ffb20c31f5cd61d6ab07201858f4287c938d;
    pub const DEFAULT_ACTIVE_LIMIT: u32 = 10;
    pub const MAX_ACTIONS: u32 = 16;
    pub const MAX_COMMITMENTS: u32 = 64;
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
        // commit_slot(context, invitation, commitment, claimer) => committed
        commitments: Map<felt252, bool>,
        commitment_count: Map<(u256, u256), u32>,
        threshold: Map<u256, u32>,
        active_limit: Map<u256, u32>,
        proposals: Map<(u256, u256), Proposal>,
        proposal_ids: Map<(u256, u32), u256>,
        proposal_count: Map<u256, u32>,
        proposal_actions: Map<(u256, u256, u32), felt252>,
        approvers: Map<(u256, u256, u32), u256>,
        approved: Map<(u256, u256, u256), bool>,
        // Open proposals per (context, author): the active-proposal limit is an author's.
        open_by: Map<(u256, u256), u32>,
        // A decided proposal id is spent for good: a replayed propose + approve is refused.
        decided: Map<(u256, u256), bool>,
        // poseidon(key felts) => poseidon(value felts); the bytes are in the ValueSet event.
        values: Map<(u256, felt252), felt252>,
        // STRK held for each context: what `fund` brought in less what TRANSFER actions sent out.
        funds: Map<u256, u256>,
    }

    #[event]
    #[derive(Drop, starknet::Event)]
    pub enum Event {
        ContextCreated: ContextCreated,
        KeyBound: KeyBound,
        Applied: Applied,
        ProposalExecuted: ProposalExecuted,
        ProposalFailed: ProposalFailed,
        ValueSet: ValueSet,
        Funded: Funded,
        Transferred: Transferred,
        Called: Called,
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
    #[derive(Drop, starknet::Event)]
    pub struct ProposalExecuted { #[key] pub context: u256, #[key] pub proposal: u256, pub at: u64 }
    /// A decided proposal whose actions could not all run: none ran; `reason` is the refusal code.
    #[derive(Drop, starknet::Event)]
    pub struct ProposalFailed { #[key] pub context: u256, #[key] pub proposal: u256, pub reason: felt252, pub at: u64 }
    #[derive(Drop, starknet::Event)]
    pub struct ValueSet { #[key] pub context: u256, pub key: Span<felt252>, pub value: Span<felt252> }

    #[derive(Drop, starknet::Event)]
    pub struct Funded { #[key] pub context: u256, pub from: ContractAddress, pub amount: u256 }
    #[derive(Drop, starknet::Event)]
    pub struct Transferred { #[key] pub context: u256, pub to: ContractAddress, pub amount: u256 }
    #[derive(Drop, starknet::Event)]
    pub struct Called { #[key] pub context: u256, pub target: ContractAddress, pub selector: felt252, pub result: Span<felt252> }

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

        /// Performs a request signed (r, s) by the acting identity's bound Stark key, given as
        /// signature = (r, s, key). `binding` is empty, or (for an identity with no key yet in
        /// this context) the ed25519 binding of that key. Returns the context's revision after
        /// the request.
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

        /// Moves `amount` STRK from the caller (who approved this contract for it) into the
        /// context's funds, which only its TRANSFER actions spend.
        fn fund(ref self: ContractState, context: u256, amount: u256) {
            assert(self.revision.read(context) != 0, 'UnknownContext');
            assert(amount != 0, 'BadAmount');
            let from = get_caller_address();
            let token = IERC20Dispatcher { contract_address: STRK_TOKEN.try_into().unwrap() };
            assert(token.transfer_from(from, get_contract_address(), amount), 'FundingFailed');
            self.funds.write(context, self.funds.read(context) + amount);
            self.emit(Funded { context, from, amount });
        }

        fn funds_of(self: @ContractState, context: u256) -> u256 { self.funds.read(context) }

        fn nonce_of(self: @ContractState, context: u256, identity: u256) -> u64 { self.nonces.read((context, identity)) }
        fn key_of(self: @ContractState, context: u256, identity: u256) -> felt252 { self.keys.read((context, identity)) }
        fn role_of(self: @ContractState, context: u256, identity: u256) -> u8 { self.members.read((context, identity)).role }
        fn revision_of(self: @ContractState, context: u256) -> u64 { self.revision.read(context) }

        fn settings_of(self: @ContractState, context: u256) -> Settings {
            Settings {
                application: self.application.read(context), revision: self.revision.read(context), threshold: self.threshold.read(context),
                active_limit: self.active_limit.read(context), created_block: self.created_block.read(context),
            }
        }

        fn members_of(self: @ContractState, context: u256) -> Array<(u256, Member)> {
            let mut out = array![];
            let n = self.member_count.read(context);
            let mut i: u32 = 1;
            while i <= n {
                let id = self.member_ids.read((context, i));
                out.append((id, self.members.read((context, id))));
                i += 1;
            };
            out
        }

        fn invitations_of(self: @ContractState, context: u256) -> Array<(u256, Invitation)> {
            let mut out = array![];
            let n = self.invitation_count.read(context);
            let mut i: u32 = 1;
            while i <= n {
                let id = self.invitation_ids.read((context, i));
                out.append((id, self.invitations.read((context, id))));
                i += 1;
            };
            out
        }

        fn proposals_of(self: @ContractState, context: u256) -> Array<ProposalView> {
            let mut out = array![];
            let n = self.proposal_count.read(context);
            let mut i: u32 = 1;
            while i <= n {
                let id = self.proposal_ids.read((context, i));
                let p = self.proposals.read((context, id));
                let mut approvers = array![];
                let mut j: u32 = 0;
                while j < p.approvals { approvers.append(self.approvers.read((context, id, j))); j += 1; };
                out.append(ProposalView { id, author: p.author, created_at: p.created_at, approvers, actions: self.actions_of(context, id, p.actions_len) });
                i += 1;
            };
            out
        }

        /// Poseidon(domain, chain id, this contract, context, identity, nonce, kind, Poseidon(payload)).
        fn request_hash(self: @ContractState, req: Request) -> felt252 {
            let chain_id = get_tx_info().unbox().chain_id;
            poseidon_hash_span(array![
                REQUEST_DOMAIN, chain_id, get_contract_address().into(),
                req.context.low.into(), req.context.high.into(), req.identity.low.into(), req.identity.high.into(),
                req.nonce.into(), req.kind.into(), poseidon_hash_span(req.payload),
            ].span())
        }

        /// What an identity signs (ed25519) to bind `stark_key` as its key in `context`:
        /// (domain, chain id, this contract, context.low, context.high, stark_key), each felt
        /// as 32 big-endian bytes.
        fn binding_message(self: @ContractState, context: u256, stark_key: felt252) -> ByteArray {
            let chain_id = get_tx_info().unbox().chain_id;
            let mut b: ByteArray = "";
            for f in array![BIND_DOMAIN, chain_id, get_contract_address().into(), context.low.into(), context.high.into(), stark_key] {
                append_u256(ref b, f.into());
            };
            b
        }
    }

    fn append_u256(ref b: ByteArray, v: u256) {
        b.append_word(v.high.into(), 16);
        b.append_word(v.low.into(), 16);
    }

    fn sha256_u256(bytes: @ByteArray) -> u256 {
        let w = compute_sha256_byte_array(bytes);
        let mut acc: u256 = 0;
        for word in w.span() { acc = acc * 0x100000000 + (*word).into(); };
        acc
    }

    fn context_id_for(creator: u256, application: u256, salt: u256) -> u256 {
        // sha256("moorage:context:v1" ‖ creator ‖ application ‖ salt), as src/governance/context-id.ts.
        let mut bytes: ByteArray = "moorage:context:v1";
        for v in array![creator, application, salt] { append_u256(ref bytes, v); };
        sha256_u256(@bytes)
    }

    /// sha256("moorage:commit:v1" ‖ invitation ‖ claimer ‖ r ‖ s): claimCommitment of src/governance/acl.ts.
    fn claim_commitment(id: u256, claimer: u256, r: u256, s: u256) -> u256 {
        let mut bytes: ByteArray = "moorage:commit:v1";
        for v in array![id, claimer, r, s] { append_u256(ref bytes, v); };
        sha256_u256(@bytes)
    }

    /// "moorage:claim:v1" ‖ context ‖ invitation ‖ claimer: claimMessage of src/governance/acl.ts.
    fn claim_message(c: u256, id: u256, claimer: u256) -> ByteArray {
        let mut bytes: ByteArray = "moorage:claim:v1";
        for v in array![c, id, claimer] { append_u256(ref bytes, v); };
        bytes
    }

    fn read_u256(p: Span<felt252>, at: u32) -> u256 {
        u256 { low: (*p[at]).try_into().unwrap(), high: (*p[at + 1]).try_into().unwrap() }
    }

    fn read_u8(p: Span<felt252>, at: u32) -> u8 { (*p[at]).try_into().unwrap() }

    fn read_u32(p: Span<felt252>, at: u32) -> u32 { (*p[at]).try_into().unwrap() }

    /// How many felts a byte string takes at `at`: its length, then ceil(length / 31) chunks.
    fn bytes_len(p: Span<felt252>, at: u32) -> u32 { 1 + (read_u32(p, at) + 30) / 31 }

    /// The felts one proposal action takes at `at` (its kind included).
    fn action_len(actions: Span<felt252>, at: u32) -> u32 {
        let kind = read_u8(actions, at);
        if kind == SET_THRESHOLD || kind == SET_ACTIVE_LIMIT { 2 }
        else if kind == ADD_ADMIN || kind == REMOVE_ADMIN || kind == DELETE_PROPOSAL { 3 }
        else if kind == SET_VALUE { let k = bytes_len(actions, at + 1); 1 + k + bytes_len(actions, at + 1 + k) }
        else if kind == TRANSFER { 4 }
        else if kind == CALL { 4 + read_u32(actions, at + 3) }
        else { panic_with_felt252('UnknownProposalAction') }
    }

    fn id_key(id: u256) -> felt252 { poseidon_hash_span(array![id.low.into(), id.high.into()].span()) }

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
            self.member_ids.write((context, n), 0);
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
                let max_uses: u32 = read_u32(p, 7);
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
                // Keyed by claimer too: nobody can overwrite or use another identity's commitment.
                let slot = commit_slot(c, id, commitment, author);
                let count = self.commitment_count.read((c, id));
                assert(count < MAX_COMMITMENTS, 'TooManyCommitments');
                self.usable(c, inv, author);
                if !self.commitments.read(slot) {
                    self.commitments.write(slot, true);
                    self.commitment_count.write((c, id), count + 1);
                }
            } else if kind == REVEAL_CLAIM {
                let id = read_u256(p, 0);
                let (r, s) = (read_u256(p, 2), read_u256(p, 4));
                let inv = self.invitations.read((c, id));
                assert(inv.kind != 0, 'NoSuchInvitation');
                assert(inv.kind == TARGET_OPEN, 'NotOpenInvitation');
                let slot = commit_slot(c, id, claim_commitment(id, author, r, s), author);
                assert(self.commitments.read(slot), 'NoMatchingCommitment');
                let verifier = IEd25519VerifierDispatcher { contract_address: self.verifier.read() };
                assert(verifier.verify(inv.target, r, s, claim_message(c, id, author)), 'BadClaimProof');
                self.usable(c, inv, author);
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
                self.approve(c, author, read_u256(p, 0));
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

        fn actions_of(self: @ContractState, c: u256, id: u256, len: u32) -> Array<felt252> {
            let mut out = array![];
            let mut i: u32 = 0;
            while i < len { out.append(self.proposal_actions.read((c, id, i))); i += 1; };
            out
        }

        fn propose(ref self: ContractState, c: u256, author: u256, id: u256, actions: Span<felt252>) {
            assert(self.proposals.read((c, id)).index == 0, 'ProposalExists');
            assert(!self.decided.read((c, id)), 'ProposalSpent');
            let count = read_u32(actions, 0);
            assert(count >= 1 && count <= MAX_ACTIONS, 'ActionCount');
            // The actions must parse to exactly their felts (an unknown kind is refused here).
            let mut at: u32 = 1;
            let mut i: u32 = 0;
            while i < count { at += action_len(actions, at); i += 1; };
            assert(at == actions.len(), 'ActionCount');
            let open = self.open_by.read((c, author));
            assert(open < self.active_limit.read(c), 'ActiveLimitReached');
            self.open_by.write((c, author), open + 1);
            let index = self.proposal_count.read(c) + 1;
            self.proposal_count.write(c, index);
            self.proposal_ids.write((c, index), id);
            let mut j: u32 = 0;
            while j < actions.len() { self.proposal_actions.write((c, id, j), *actions[j]); j += 1; };
            self.proposals.write((c, id), Proposal { author, created_at: self.now_ms(), index, approvals: 0, actions_len: actions.len() });
            // The author's proposal counts as its approval when the author is an admin.
            if self.members.read((c, author)).role == ROLE_ADMIN { self.count_approval(c, author, id); }
        }

        fn approve(ref self: ContractState, c: u256, approver: u256, id: u256) {
            let p = self.proposals.read((c, id));
            assert(p.index != 0, 'NoSuchProposal');
            assert(self.members.read((c, approver)).role == ROLE_ADMIN, 'OnlyAdminsApprove');
            assert(!self.approved.read((c, id, approver)), 'AlreadyApproved');
            self.count_approval(c, approver, id);
        }

        /// Records the approval; decides the proposal once the approvals of identities that
        /// are admins now reach the threshold (a removed admin's approval no longer counts).
        fn count_approval(ref self: ContractState, c: u256, approver: u256, id: u256) {
            self.approved.write((c, id, approver), true);
            let mut p = self.proposals.read((c, id));
            self.approvers.write((c, id, p.approvals), approver);
            p.approvals += 1;
            self.proposals.write((c, id), p);
            let mut counted: u32 = 0;
            let mut i: u32 = 0;
            while i < p.approvals {
                if self.members.read((c, self.approvers.read((c, id, i)))).role == ROLE_ADMIN { counted += 1; }
                i += 1;
            };
            if counted >= self.threshold.read(c) { self.decide(c, id); }
        }

        /// Closes a proposal for good and runs its actions all or none: when one would fail,
        /// none runs and ProposalFailed names why (as the shared reducer's `failed` outcome).
        fn decide(ref self: ContractState, c: u256, id: u256) {
            let p = self.proposals.read((c, id));
            let actions = self.actions_of(c, id, p.actions_len).span();
            self.decided.write((c, id), true);
            self.drop_proposal(c, id);
            let reason = self.check_actions(c, actions);
            if reason == 0 {
                self.run_actions(c, actions);
                self.emit(ProposalExecuted { context: c, proposal: id, at: self.now_ms() });
            } else {
                self.emit(ProposalFailed { context: c, proposal: id, reason, at: self.now_ms() });
            }
        }

        /// Takes an open proposal out of the list (the last one moves into its place).
        fn drop_proposal(ref self: ContractState, c: u256, id: u256) {
            let p = self.proposals.read((c, id));
            let n = self.proposal_count.read(c);
            let last_id = self.proposal_ids.read((c, n));
            self.proposal_ids.write((c, p.index), last_id);
            let mut last = self.proposals.read((c, last_id));
            last.index = p.index;
            self.proposals.write((c, last_id), last);
            self.proposal_ids.write((c, n), 0);
            self.proposal_count.write(c, n - 1);
            self.open_by.write((c, p.author), self.open_by.read((c, p.author)) - 1);
            self.proposals.write((c, id), Proposal { author: 0, created_at: 0, index: 0, approvals: 0, actions_len: 0 });
        }

        /// Why the actions cannot all run, in order (0: they can), against the state as the
        /// earlier actions leave it: admins added or demoted, proposals already deleted.
        fn check_actions(self: @ContractState, c: u256, actions: Span<felt252>) -> felt252 {
            let mut roles: Felt252Dict<u8> = Default::default(); // identity => role + 1, once changed here
            let mut deleted: Felt252Dict<u8> = Default::default(); // proposal => 1, once deleted here
            let mut admins = self.admins.read(c);
            let funds = self.funds.read(c);
            let mut spent: u256 = 0;
            let count = read_u32(actions, 0);
            let mut at: u32 = 1;
            let mut i: u32 = 0;
            let mut reason: felt252 = 0;
            while i < count && reason == 0 {
                let kind = read_u8(actions, at);
                if kind == SET_THRESHOLD {
                    let t = read_u32(actions, at + 1);
                    if t < 1 { reason = 'ThresholdNotPositive'; } else if t > admins { reason = 'ThresholdExceedsAdmins'; }
                } else if kind == SET_ACTIVE_LIMIT {
                    if read_u32(actions, at + 1) < 1 { reason = 'LimitNotPositive'; }
                } else if kind == ADD_ADMIN || kind == REMOVE_ADMIN {
                    let id = read_u256(actions, at + 1);
                    let k = id_key(id);
                    let changed = roles.get(k);
                    let role = if changed == 0 { self.members.read((c, id)).role } else { changed - 1 };
                    if kind == ADD_ADMIN {
                        if role != ROLE_ADMIN { admins += 1; roles.insert(k, ROLE_ADMIN + 1); }
                    } else if role != ROLE_ADMIN {
                        reason = 'NotAdmin';
                    } else if admins == 1 {
                        reason = 'LastAdmin';
                    } else {
                        admins -= 1;
                        roles.insert(k, ROLE_MEMBER + 1);
                    }
                } else if kind == DELETE_PROPOSAL {
                    let pid = read_u256(actions, at + 1);
                    if self.proposals.read((c, pid)).index == 0 || deleted.get(id_key(pid)) == 1 { reason = 'NoProposalToDelete'; } else { deleted.insert(id_key(pid), 1); }
                } else if kind == TRANSFER {
                    // Only the context's own funds: the contract holds every context's STRK.
                    let amount = read_u256(actions, at + 2);
                    if *actions[at + 1] == 0 || amount > funds - spent { reason = 'TransferFailed'; } else { spent += amount; }
                } else if kind == CALL {
                    // Not the token (a call could move other contexts' STRK) nor this contract.
                    let target = *actions[at + 1];
                    if target == 0 || target == STRK_TOKEN || target == get_contract_address().into() { reason = 'CallFailed'; }
                }
                at += action_len(actions, at);
                i += 1;
            };
            reason
        }

        /// Runs a decided proposal's actions, which check_actions passed. A call that fails
        /// panics (CallFailed), and so the whole request reverts: see docs/starknet.md.
        fn run_actions(ref self: ContractState, c: u256, actions: Span<felt252>) {
            let count = read_u32(actions, 0);
            let mut at: u32 = 1;
            let mut i: u32 = 0;
            while i < count {
                let kind = read_u8(actions, at);
                if kind == SET_THRESHOLD {
                    self.threshold.write(c, read_u32(actions, at + 1));
                } else if kind == SET_ACTIVE_LIMIT {
                    self.active_limit.write(c, read_u32(actions, at + 1));
                } else if kind == ADD_ADMIN {
                    let id = read_u256(actions, at + 1);
                    let mut m = self.members.read((c, id));
                    if m.role != ROLE_ADMIN {
                        if m.role == 0 { self.add_member(c, id, ROLE_ADMIN); } else { m.role = ROLE_ADMIN; self.members.write((c, id), m); }
                        self.set_admins(c, self.admins.read(c) + 1);
                    }
                } else if kind == REMOVE_ADMIN {
                    let id = read_u256(actions, at + 1);
                    let mut m = self.members.read((c, id));
                    m.role = ROLE_MEMBER;
                    self.members.write((c, id), m);
                    self.set_admins(c, self.admins.read(c) - 1);
                } else if kind == SET_VALUE {
                    let k = bytes_len(actions, at + 1);
                    let key = actions.slice(at + 1, k);
                    let value = actions.slice(at + 1 + k, bytes_len(actions, at + 1 + k));
                    self.values.write((c, poseidon_hash_span(key)), poseidon_hash_span(value));
                    self.emit(ValueSet { context: c, key, value });
                } else if kind == DELETE_PROPOSAL {
                    let pid = read_u256(actions, at + 1);
                    self.decided.write((c, pid), true);
                    self.drop_proposal(c, pid);
                } else if kind == TRANSFER {
                    let to: ContractAddress = (*actions[at + 1]).try_into().unwrap();
                    let amount = read_u256(actions, at + 2);
                    self.funds.write(c, self.funds.read(c) - amount);
                    let token = IERC20Dispatcher { contract_address: STRK_TOKEN.try_into().unwrap() };
                    assert(token.transfer(to, amount), 'TransferFailed');
                    self.emit(Transferred { context: c, to, amount });
                } else if kind == CALL {
                    let target: ContractAddress = (*actions[at + 1]).try_into().unwrap();
                    let selector = *actions[at + 2];
                    let calldata = actions.slice(at + 4, read_u32(actions, at + 3));
                    match call_contract_syscall(target, selector, calldata) {
                        Result::Ok(result) => self.emit(Called { context: c, target, selector, result }),
                        Result::Err(_) => panic_with_felt252('CallFailed'),
                    }
                }
                at += action_len(actions, at);
                i += 1;
            };
        }
    }

    fn commit_slot(c: u256, id: u256, commitment: u256, claimer: u256) -> felt252 {
        poseidon_hash_span(array![c.low.into(), c.high.into(), id.low.into(), id.high.into(), commitment.low.into(), commitment.high.into(), claimer.low.into(), claimer.high.into()].span())
    }
}
