// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// What the proxy needs from the context config contract.
interface IContextConfig {
    function roleOf(bytes32 context, bytes32 identity) external view returns (uint8);
    function adminCount(bytes32 context) external view returns (uint32);
    function setAdmin(bytes32 context, bytes32 identity, bool admin) external returns (uint32 admins);
}

/// The governance contract of one context: proposals, approvals, the threshold, the
/// active-proposals limit, context values, and the funds the context holds. Every context
/// gets its own copy (an EIP-1167 clone made by the config contract), so its balance and
/// the contracts it calls see one address per context.
///
/// Requests reach it only through the config contract, which authenticates the acting
/// identity, consumes its nonce and checks its capabilities. A proposal stores the hash of
/// its actions; the actions themselves travel in the ProposalCreated event and again with
/// each approval, which is checked against the hash (storing them would cost ~20k gas per
/// 32 bytes).
contract ContextProxy {
    // Proposal action kinds (payload = abi.encode of the listed fields).
    uint8 internal constant SET_THRESHOLD = 0; // (uint32 threshold)
    uint8 internal constant SET_ACTIVE_LIMIT = 1; // (uint32 limit)
    uint8 internal constant ADD_ADMIN = 2; // (bytes32 identity)
    uint8 internal constant REMOVE_ADMIN = 3; // (bytes32 identity)
    uint8 internal constant SET_VALUE = 4; // (bytes key, bytes value)
    uint8 internal constant DELETE_PROPOSAL = 5; // (bytes32 proposal)
    uint8 internal constant CALL = 6; // (address target, uint256 value, bytes data)
    uint8 internal constant TRANSFER = 7; // (address to, uint256 amount)

    uint8 internal constant ROLE_ADMIN = 1;
    uint256 public constant MAX_ACTIONS = 16;
    uint32 public constant DEFAULT_ACTIVE_LIMIT = 10;

    struct Action {
        uint8 kind;
        bytes data;
    }

    struct Proposal {
        bytes32 author;
        bytes32 actionsHash;
        uint64 createdAt; // ms
        uint32 index; // 1-based position in proposalIds
    }

    struct ProposalView {
        bytes32 id;
        bytes32 author;
        bytes32 actionsHash;
        uint64 createdAt;
        bytes32[] approvals;
    }

    struct Value {
        bytes key;
        bytes value;
    }

    address public immutable config;

    bytes32 public context;
    uint32 public threshold;
    uint32 public activeLimit;

    mapping(bytes32 => Proposal) internal proposals;
    bytes32[] internal proposalIds;
    mapping(bytes32 => bytes32[]) internal approvals;
    /// Open proposals per author.
    mapping(bytes32 => uint32) public openBy;
    /// keccak256(key) => 1-based index into `values`.
    mapping(bytes32 => uint256) internal valueIndex;
    Value[] internal values;
    /// Ids of proposals that executed or failed: spent for good, so a decided proposal's
    /// requests cannot be replayed (with fresh nonces) into a second run.
    mapping(bytes32 => bool) public decided;

    event ProposalCreated(bytes32 indexed proposal, bytes32 indexed author, Action[] actions, uint64 createdAt);
    event ProposalApproved(bytes32 indexed proposal, bytes32 indexed approver);
    event ProposalExecuted(bytes32 indexed proposal, uint64 time);
    event ProposalFailed(bytes32 indexed proposal, bytes reason, uint64 time);
    event ProposalDeleted(bytes32 indexed proposal);
    event ThresholdChanged(uint32 threshold);
    event ActiveLimitChanged(uint32 limit);
    event ValueSet(bytes key, bytes value);
    event Called(address indexed target, uint256 value, bytes data, bytes result);
    event Transferred(address indexed to, uint256 amount);

    error OnlyConfig();
    error OnlySelf();
    error AlreadyInitialized();
    error ProposalExists(bytes32 proposal);
    error ProposalSpent(bytes32 proposal);
    error ActionCount(uint256 count, uint256 max);
    error ActiveLimitReached(bytes32 author, uint32 open, uint32 limit);
    error NoSuchProposal(bytes32 proposal);
    error AlreadyApproved(bytes32 proposal, bytes32 approver);
    error ActionsMismatch(bytes32 proposal);
    error OutOfGas();
    // Execution failures (recorded in ProposalFailed, never reverting the request).
    error ThresholdNotPositive();
    error ThresholdExceedsAdmins(uint32 threshold, uint32 admins);
    error LimitNotPositive();
    error NoProposalToDelete(bytes32 proposal);
    error CallFailed(address target, bytes result);
    error TransferFailed(address to, uint256 amount);
    error UnknownProposalAction(uint8 kind);

    modifier onlyConfig() {
        if (msg.sender != config) revert OnlyConfig();
        _;
    }

    constructor(address config_) {
        config = config_;
    }

    receive() external payable {}

    function initialize(bytes32 context_) external onlyConfig {
        if (context != bytes32(0)) revert AlreadyInitialized();
        context = context_;
        threshold = 1;
        activeLimit = DEFAULT_ACTIVE_LIMIT;
    }

    /// Records a proposal by `author` (whose Proxy capability the config contract checked);
    /// an admin's proposal counts as approved by its author and may execute at once.
    function propose(bytes32 author, bool authorIsAdmin, bytes32 id, Action[] calldata actions) external onlyConfig {
        if (proposals[id].index != 0) revert ProposalExists(id);
        if (decided[id]) revert ProposalSpent(id);
        if (actions.length == 0 || actions.length > MAX_ACTIONS) revert ActionCount(actions.length, MAX_ACTIONS);
        uint32 open = openBy[author];
        if (open >= activeLimit) revert ActiveLimitReached(author, open, activeLimit);
        uint64 time = uint64(block.timestamp) * 1000;
        emit ProposalCreated(id, author, actions, time);
        if (authorIsAdmin) {
            emit ProposalApproved(id, author);
            // Its author's approval is enough: it executes now and is never stored.
            if (threshold <= 1) return _execute(id, actions, time);
        }
        openBy[author] = open + 1;
        proposalIds.push(id);
        proposals[id] = Proposal(author, keccak256(abi.encode(actions)), time, uint32(proposalIds.length));
        if (authorIsAdmin) approvals[id].push(author);
    }

    /// Adds `approver`'s approval (the config contract checked it is an admin). `actions`
    /// must be those of the proposal: they run if this approval reaches the threshold.
    function approve(bytes32 approver, bytes32 id, Action[] calldata actions) external onlyConfig {
        Proposal storage p = proposals[id];
        if (p.index == 0) revert NoSuchProposal(id);
        bytes32[] storage list = approvals[id];
        for (uint256 i = 0; i < list.length; i++) if (list[i] == approver) revert AlreadyApproved(id, approver);
        if (keccak256(abi.encode(actions)) != p.actionsHash) revert ActionsMismatch(id);
        list.push(approver);
        emit ProposalApproved(id, approver);
        _tryExecute(id, actions);
    }

    /// Called by the config contract when the number of admins dropped (an admin left):
    /// keeps the threshold reachable.
    function adminsChanged(uint32 admins) external onlyConfig {
        if (threshold > admins && admins > 0) {
            threshold = admins;
            emit ThresholdChanged(admins);
        }
    }

    /// Runs a proposal's actions; all or nothing. Only through `_tryExecute`'s self-call.
    function run(Action[] calldata actions) external {
        if (msg.sender != address(this)) revert OnlySelf();
        for (uint256 i = 0; i < actions.length; i++) _runAction(actions[i]);
    }

    /// Approvals that count: those of identities that are admins now.
    function countedApprovals(bytes32 id) public view returns (uint32 n) {
        bytes32[] storage list = approvals[id];
        IContextConfig cfg = IContextConfig(config);
        for (uint256 i = 0; i < list.length; i++) if (cfg.roleOf(context, list[i]) == ROLE_ADMIN) n++;
    }

    function state() external view returns (uint32 threshold_, uint32 activeLimit_, ProposalView[] memory open, Value[] memory values_) {
        open = new ProposalView[](proposalIds.length);
        for (uint256 i = 0; i < proposalIds.length; i++) {
            bytes32 id = proposalIds[i];
            Proposal storage p = proposals[id];
            open[i] = ProposalView(id, p.author, p.actionsHash, p.createdAt, approvals[id]);
        }
        return (threshold, activeLimit, open, values);
    }

    function _tryExecute(bytes32 id, Action[] calldata actions) internal {
        if (countedApprovals(id) < threshold) return;
        _remove(id);
        _execute(id, actions, uint64(block.timestamp) * 1000);
    }

    function _execute(bytes32 id, Action[] calldata actions, uint64 time) internal {
        decided[id] = true;
        uint256 before = gasleft();
        try this.run(actions) {
            emit ProposalExecuted(id, time);
        } catch (bytes memory reason) {
            // How much gas there was is the relayer's choice, and a relayer must not be able
            // to make a proposal fail: if the execution ran out of gas, refuse the whole
            // request instead of recording a failure. The call to this clone forwards 63/64
            // of what is left and the clone's delegatecall 63/64 again, so after running out
            // at most ~2/64 of `before` comes back.
            if (gasleft() <= before / 32 || _outOfGas(reason)) revert OutOfGas();
            emit ProposalFailed(id, reason, time);
        }
    }

    function _outOfGas(bytes memory reason) internal pure returns (bool) {
        return reason.length == 4 && bytes4(reason) == OutOfGas.selector;
    }

    /// A call out of the proxy; running out of gas inside it counts as running out of gas here.
    function _call(address target, uint256 value, bytes memory data) internal returns (bool ok, bytes memory result) {
        uint256 before = gasleft();
        (ok, result) = target.call{value: value}(data);
        if (!ok && gasleft() <= before / 32) revert OutOfGas();
    }

    function _remove(bytes32 id) internal {
        Proposal storage p = proposals[id];
        uint32 index = p.index;
        openBy[p.author] -= 1;
        bytes32 lastId = proposalIds[proposalIds.length - 1];
        proposalIds[index - 1] = lastId;
        proposals[lastId].index = index;
        proposalIds.pop();
        delete proposals[id];
        delete approvals[id];
    }

    function _runAction(Action calldata a) internal {
        if (a.kind == SET_THRESHOLD) {
            uint32 t = abi.decode(a.data, (uint32));
            if (t < 1) revert ThresholdNotPositive();
            uint32 admins = IContextConfig(config).adminCount(context);
            if (t > admins) revert ThresholdExceedsAdmins(t, admins);
            threshold = t;
            emit ThresholdChanged(t);
        } else if (a.kind == SET_ACTIVE_LIMIT) {
            uint32 l = abi.decode(a.data, (uint32));
            if (l < 1) revert LimitNotPositive();
            activeLimit = l;
            emit ActiveLimitChanged(l);
        } else if (a.kind == ADD_ADMIN) {
            IContextConfig(config).setAdmin(context, abi.decode(a.data, (bytes32)), true);
        } else if (a.kind == REMOVE_ADMIN) {
            uint32 admins = IContextConfig(config).setAdmin(context, abi.decode(a.data, (bytes32)), false);
            if (threshold > admins) {
                threshold = admins;
                emit ThresholdChanged(admins);
            }
        } else if (a.kind == SET_VALUE) {
            (bytes memory key, bytes memory value) = abi.decode(a.data, (bytes, bytes));
            bytes32 h = keccak256(key);
            uint256 i = valueIndex[h];
            if (i == 0) {
                values.push(Value(key, value));
                valueIndex[h] = values.length;
            } else {
                values[i - 1].value = value;
            }
            emit ValueSet(key, value);
        } else if (a.kind == DELETE_PROPOSAL) {
            bytes32 id = abi.decode(a.data, (bytes32));
            if (proposals[id].index == 0) revert NoProposalToDelete(id);
            _remove(id);
            emit ProposalDeleted(id);
        } else if (a.kind == CALL) {
            (address target, uint256 value, bytes memory data) = abi.decode(a.data, (address, uint256, bytes));
            (bool ok, bytes memory result) = _call(target, value, data);
            if (!ok) revert CallFailed(target, result);
            emit Called(target, value, data, result);
        } else if (a.kind == TRANSFER) {
            (address to, uint256 amount) = abi.decode(a.data, (address, uint256));
            (bool ok,) = _call(to, amount, "");
            if (!ok) revert TransferFailed(to, amount);
            emit Transferred(to, amount);
        } else {
            revert UnknownProposalAction(a.kind);
        }
    }
}
