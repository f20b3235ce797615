// SPDX-License-Identifier: MIT
pragma solidity ^0.8.23;

interface IAATExchange {
    struct Order { address maker; address taker; uint256 giveId; uint256 giveAmount; uint256 wantId; uint256 wantAmount; uint64 expiry; uint64 nonce; }
    function fill(Order calldata order, bytes calldata signature, uint256 giveFill) external returns (uint256 wantPaid);
    function fillBatch(Order[] calldata orders, bytes[] calldata signatures, uint256[] calldata giveFills) external returns (uint256[] memory wantPaid);
    function cancel(Order[] calldata orders) external;
    function cancelUpTo(uint64 minNonce) external;
    function filled(bytes32 orderHash) external view returns (uint256);
    function cancelled(bytes32 orderHash) external view returns (bool);
    function minNonce(address maker) external view returns (uint64);
    function remaining(Order calldata order) external view returns (uint256);
    function hashOrder(Order calldata order) external view returns (bytes32);
    function DOMAIN_SEPARATOR() external view returns (bytes32);
    function eip712Domain() external view returns (bytes1 fields, string memory name, string memory version, uint256 chainId, address verifyingContract, bytes32 salt, uint256[] memory extensions);
    function aat() external view returns (address);
    function tokenAI() external view returns (address);
    function setFeeBps(uint16 feeBps) external;
    function feeBps() external view returns (uint16);
    function MAX_FEE_BPS() external pure returns (uint16);
    function setTreasury(address treasury) external;
    function treasury() external view returns (address);
    function pause() external;
    function unpause() external;
    function paused() external view returns (bool);
    function owner() external view returns (address);
    function pendingOwner() external view returns (address);
    function transferOwnership(address newOwner) external;
    function acceptOwnership() external;
    function renounceOwnership() external;

    error InvalidOrder(bytes32 orderHash);
    error InvalidOrderSignature(address maker);
    error OrderExpired(bytes32 orderHash, uint64 expiry);
    error OrderIsCancelled(bytes32 orderHash);
    error OrderNonceTooLow(bytes32 orderHash, uint64 nonce, uint64 minNonce);
    error NotOrderTaker(address caller, address taker);
    error NotOrderMaker(address caller, address maker);
    error FillExceedsRemaining(bytes32 orderHash, uint256 giveFill, uint256 remaining);
    error MinNonceNotRaised(uint64 current, uint64 given);
    error ERC1155InvalidArrayLength(uint256 idsLength, uint256 valuesLength);
    error ZeroAmount();
    error ZeroAddress();
    error NotAContract(address account);
    error ExcessiveFee(uint16 feeBps, uint16 maxFeeBps);
    error EnforcedPause();
    error ExpectedPause();
    error OwnableUnauthorizedAccount(address account);
    error OwnableInvalidOwner(address owner);

    event EIP712DomainChanged();
    event FeeBpsSet(uint16 feeBps);
    event MinNonceRaised(address indexed maker, uint64 minNonce);
    event OrderCancelled(bytes32 indexed orderHash, address indexed maker);
    event OrderFilled(bytes32 indexed orderHash, address indexed maker, address indexed taker, uint256 giveId, uint256 giveFilled, uint256 wantId, uint256 wantPaid, uint256 fee);
    event OwnershipTransferStarted(address indexed previousOwner, address indexed newOwner);
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);
    event Paused(address account);
    event TreasurySet(address indexed treasury);
    event Unpaused(address account);
}
