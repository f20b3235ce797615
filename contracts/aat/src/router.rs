//! AAT's selector table and its routing (`abi_core::router`): the table is
//! both what the program dispatches on and what the ABI export prints;
//! ownership, pause and minters route through `abi_core::access`.

use alloc::vec::Vec;

use abi_core::{
    codec::{self, words, Args, Word},
    router::{done, word, Contract, Failure, Routed},
};
use alloy_primitives::{Address, FixedBytes, U256};
use stylus_sdk::abi::Bytes;

use crate::{vouchers::Voucher, AAT};

/// `Voucher`'s ABI type, for selectors: `(address,address,uint256,uint256,uint64)`.
type VoucherArg = (Address, Address, U256, U256, u64);

/// A `Voucher`: five static words.
fn voucher(a: &mut Args<'_>) -> Result<Voucher, abi_core::codec::Malformed> {
    Ok(Voucher {
        holder: a.address()?,
        provider: a.address()?,
        id: a.u256()?,
        cumulative_amount: a.u256()?,
        deadline: a.u64()?,
    })
}

abi_core::functions! {
    BALANCE_OF = "balanceOf"(Address, U256)
        => "function balanceOf(address account, uint256 id) external view returns (uint256)";
    BALANCE_OF_BATCH = "balanceOfBatch"(Vec<Address>, Vec<U256>)
        => "function balanceOfBatch(address[] calldata accounts, uint256[] calldata ids) external view returns (uint256[] memory)";
    SET_APPROVAL_FOR_ALL = "setApprovalForAll"(Address, bool)
        => "function setApprovalForAll(address operator, bool approved) external";
    IS_APPROVED_FOR_ALL = "isApprovedForAll"(Address, Address)
        => "function isApprovedForAll(address account, address operator) external view returns (bool)";
    SAFE_TRANSFER_FROM = "safeTransferFrom"(Address, Address, U256, U256, Bytes)
        => "function safeTransferFrom(address from, address to, uint256 id, uint256 value, bytes calldata data) external";
    SAFE_BATCH_TRANSFER_FROM = "safeBatchTransferFrom"(Address, Address, Vec<U256>, Vec<U256>, Bytes)
        => "function safeBatchTransferFrom(address from, address to, uint256[] calldata ids, uint256[] calldata values, bytes calldata data) external";
    SUPPORTS_INTERFACE = "supportsInterface"(FixedBytes<4>)
        => "function supportsInterface(bytes4 interfaceId) external view returns (bool)";
    URI = "uri"(U256)
        => "function uri(uint256 id) external view returns (string memory)";
    SET_URI = "setURI"(alloc::string::String)
        => "function setURI(string calldata newUri) external";
    TOTAL_SUPPLY = "totalSupply"(U256)
        => "function totalSupply(uint256 id) external view returns (uint256)";
    IS_SOULBOUND = "isSoulbound"(U256)
        => "function isSoulbound(uint256 id) external view returns (bool)";
    COMPUTE_TOKEN_ID = "computeTokenId"(Address, FixedBytes<16>, FixedBytes<16>, u64, bool, bool)
        => "function computeTokenId(address originPool, bytes16 model, bytes16 scope, uint64 expiration, bool reclaimable, bool tradable) external pure returns (uint256)";
    EXISTS = "exists"(U256)
        => "function exists(uint256 id) external view returns (bool)";
    TOKEN_CONFIG = "tokenConfig"(U256)
        => "function tokenConfig(uint256 id) external view returns (bytes16 model, bytes16 scope, uint64 expiration, address originPool, bool reclaimable, bool tradable)";
    IS_EXPIRED = "isExpired"(U256)
        => "function isExpired(uint256 id) external view returns (bool)";
    MINT = "mint"(Address, Address, FixedBytes<16>, FixedBytes<16>, u64, bool, bool, U256)
        => "function mint(address to, address originPool, bytes16 model, bytes16 scope, uint64 expiration, bool reclaimable, bool tradable, uint256 amount) external returns (uint256 id)";
    MINT_WITH_TOKEN_AI = "mintWithTokenAI"(Address, FixedBytes<16>, FixedBytes<16>, u64, bool, bool, U256)
        => "function mintWithTokenAI(address to, bytes16 model, bytes16 scope, uint64 expiration, bool reclaimable, bool tradable, uint256 amount) external returns (uint256 id)";
    QUOTE_TOKEN_AI = "quoteTokenAI"(FixedBytes<16>, U256)
        => "function quoteTokenAI(bytes16 model, uint256 amount) external view returns (uint256)";
    CONSUME = "consume"(Address, U256, U256, FixedBytes<16>, FixedBytes<16>)
        => "function consume(address holder, uint256 id, uint256 amount, bytes16 model, bytes16 scope) external returns (uint256 fee)";
    RECLAIM = "reclaim"(Address, U256, U256)
        => "function reclaim(address holder, uint256 id, uint256 amount) external returns (uint256 reclaimed)";
    SWAP = "swap"(Address, U256, U256, Address, U256, U256)
        => "function swap(address partyA, uint256 idA, uint256 amountA, address partyB, uint256 idB, uint256 amountB) external";
    SETTLE = "settle"(VoucherArg, Bytes, FixedBytes<16>, FixedBytes<16>)
        => "function settle(Voucher calldata voucher, bytes calldata signature, bytes16 model, bytes16 scope) external returns (uint256 consumed, uint256 fee)";
    SETTLE_BATCH = "settleBatch"(Vec<VoucherArg>, Vec<Bytes>, FixedBytes<16>, FixedBytes<16>)
        => "function settleBatch(Voucher[] calldata vouchers, bytes[] calldata signatures, bytes16 model, bytes16 scope) external returns (uint256 consumed, uint256 fee)";
    SETTLED_AMOUNT = "settledAmount"(Address, Address, U256)
        => "function settledAmount(address holder, address provider, uint256 id) external view returns (uint256)";
    HASH_VOUCHER = "hashVoucher"(VoucherArg)
        => "function hashVoucher(Voucher calldata voucher) external view returns (bytes32)";
    DOMAIN_SEPARATOR = "DOMAIN_SEPARATOR"()
        => "function DOMAIN_SEPARATOR() external view returns (bytes32)";
    EIP712_DOMAIN = "eip712Domain"()
        => "function eip712Domain() external view returns (bytes1 fields, string memory name, string memory version, uint256 chainId, address verifyingContract, bytes32 salt, uint256[] memory extensions)";
    OPEN_CHANNEL = "openChannel"(Address, U256, U256, u64, Address)
        => "function openChannel(address provider, uint256 id, uint256 amount, uint64 expiresAt, address signer) external";
    CLOSE_CHANNEL = "closeChannel"(Address, Address, U256)
        => "function closeChannel(address holder, address provider, uint256 id) external returns (uint256 returned)";
    CHANNEL_OF = "channelOf"(Address, Address, U256)
        => "function channelOf(address holder, address provider, uint256 id) external view returns (uint256 locked, uint64 expiresAt, address signer)";
    SET_MODEL_PRICE = "setModelPrice"(FixedBytes<16>, U256)
        => "function setModelPrice(bytes16 model, uint256 tokenAIPerUnit) external";
    MODEL_PRICE = "modelPrice"(FixedBytes<16>)
        => "function modelPrice(bytes16 model) external view returns (uint256)";
    SET_FEE_BPS = "setFeeBps"(u16)
        => "function setFeeBps(uint16 feeBps) external";
    FEE_BPS = "feeBps"()
        => "function feeBps() external view returns (uint16)";
    MAX_FEE_BPS = "MAX_FEE_BPS"()
        => "function MAX_FEE_BPS() external pure returns (uint16)";
    SET_TREASURY = "setTreasury"(Address)
        => "function setTreasury(address treasury) external";
    TREASURY = "treasury"()
        => "function treasury() external view returns (address)";
    TOKEN_AI = "tokenAI"()
        => "function tokenAI() external view returns (address)";
}

/// The `Voucher` struct as the ABI export declares it.
pub const VOUCHER_STRUCT: &str = "struct Voucher { address holder; address provider; uint256 id; uint256 cumulativeAmount; uint64 deadline; }";

/// The constructor, as the ABI export prints it.
pub const CONSTRUCTOR: &str =
    "constructor(address tokenAI, address treasury, string memory uri, address initialOwner)";

impl Contract for AAT {
    fn call(&mut self, selector: u32, a: &mut Args<'_>) -> Routed {
        Ok(Some(match selector {
            BALANCE_OF => word(self.balance_of(a.address()?, a.u256()?)),
            BALANCE_OF_BATCH => {
                let accounts = a.address_array()?;
                codec::encode_array(&self.balance_of_batch(accounts, a.u256_array()?)?)
            }
            SET_APPROVAL_FOR_ALL => done(self.set_approval_for_all(a.address()?, a.bool()?))?,
            IS_APPROVED_FOR_ALL => word(self.is_approved_for_all(a.address()?, a.address()?)),
            SAFE_TRANSFER_FROM => {
                let (from, to, id, value) = (a.address()?, a.address()?, a.u256()?, a.u256()?);
                done(self.safe_transfer_from(from, to, id, value, a.bytes()?))?
            }
            SAFE_BATCH_TRANSFER_FROM => {
                let (from, to) = (a.address()?, a.address()?);
                let (ids, values) = (a.u256_array()?, a.u256_array()?);
                done(self.safe_batch_transfer_from(from, to, ids, values, a.bytes()?))?
            }
            SUPPORTS_INTERFACE => word(self.supports_interface(a.fixed::<4>()?)),
            URI => codec::encode_bytes(&self.uri(a.u256()?)),
            SET_URI => done(self.set_uri(a.bytes()?))?,
            TOTAL_SUPPLY => word(self.total_supply(a.u256()?)),
            IS_SOULBOUND => word(self.is_soulbound(a.u256()?)),
            COMPUTE_TOKEN_ID => word(AAT::compute_token_id(
                a.address()?,
                a.fixed()?,
                a.fixed()?,
                a.u64()?,
                a.bool()?,
                a.bool()?,
            )),
            EXISTS => word(self.exists(a.u256()?)),
            TOKEN_CONFIG => {
                let (model, scope, expiration, pool, reclaimable, tradable) =
                    self.token_config(a.u256()?)?;
                words(&[
                    model.word(),
                    scope.word(),
                    expiration.word(),
                    pool.word(),
                    reclaimable.word(),
                    tradable.word(),
                ])
            }
            IS_EXPIRED => word(self.is_expired(a.u256()?)),
            MINT => word(self.mint(
                a.address()?,
                a.address()?,
                a.fixed()?,
                a.fixed()?,
                a.u64()?,
                a.bool()?,
                a.bool()?,
                a.u256()?,
            )?),
            MINT_WITH_TOKEN_AI => word(self.mint_with_token_ai(
                a.address()?,
                a.fixed()?,
                a.fixed()?,
                a.u64()?,
                a.bool()?,
                a.bool()?,
                a.u256()?,
            )?),
            QUOTE_TOKEN_AI => word(self.quote_token_ai(a.fixed()?, a.u256()?)?),
            CONSUME => {
                word(self.consume(a.address()?, a.u256()?, a.u256()?, a.fixed()?, a.fixed()?)?)
            }
            RECLAIM => word(self.reclaim(a.address()?, a.u256()?, a.u256()?)?),
            SWAP => {
                let (party_a, id_a, amount_a) = (a.address()?, a.u256()?, a.u256()?);
                let (party_b, id_b, amount_b) = (a.address()?, a.u256()?, a.u256()?);
                done(self.swap(party_a, id_a, amount_a, party_b, id_b, amount_b))?
            }
            SETTLE | SETTLE_BATCH => {
                // One voucher inline, or arrays of them and their signatures.
                let single = selector == SETTLE;
                let (vouchers, signatures) = if single {
                    (vec![voucher(a)?], vec![a.bytes()?])
                } else {
                    let (count, mut items) = a.array(5)?;
                    let mut vouchers = Vec::with_capacity(count);
                    for _ in 0..count {
                        vouchers.push(voucher(&mut items)?);
                    }
                    (vouchers, a.bytes_array()?)
                };
                let (model, scope) = (a.fixed()?, a.fixed()?);
                let (consumed, fee) =
                    self.settle_all(&vouchers, &signatures, model, scope, single)?;
                words(&[consumed.word(), fee.word()])
            }
            SETTLED_AMOUNT => word(self.settled_amount(a.address()?, a.address()?, a.u256()?)),
            HASH_VOUCHER => word(self.hash_voucher(&voucher(a)?)),
            DOMAIN_SEPARATOR => word(self.domain_separator()),
            EIP712_DOMAIN => self.eip712_domain(),
            OPEN_CHANNEL => {
                let (provider, id, amount) = (a.address()?, a.u256()?, a.u256()?);
                done(self.open_channel(provider, id, amount, a.u64()?, a.address()?))?
            }
            CLOSE_CHANNEL => word(self.close_channel(a.address()?, a.address()?, a.u256()?)?),
            CHANNEL_OF => {
                let (locked, expires_at, signer) =
                    self.channel_of(a.address()?, a.address()?, a.u256()?);
                words(&[locked.word(), expires_at.word(), signer.word()])
            }
            SET_MODEL_PRICE => done(self.set_model_price(a.fixed()?, a.u256()?))?,
            MODEL_PRICE => word(self.model_price(a.fixed()?)),
            SET_FEE_BPS => done(self.set_fee_bps(a.u16()?))?,
            FEE_BPS => word(self.fee_bps()),
            MAX_FEE_BPS => word(AAT::max_fee_bps()),
            SET_TREASURY => done(self.set_treasury(a.address()?))?,
            TREASURY => word(self.treasury()),
            TOKEN_AI => word(self.token_ai()),
            _ => return self.access.route(selector, a),
        }))
    }

    /// `constructor(tokenAI, treasury, uri, initialOwner)`.
    fn construct(&mut self, a: &mut Args<'_>) -> Result<(), Failure> {
        let (token_ai, treasury, uri, owner) =
            (a.address()?, a.address()?, a.bytes()?, a.address()?);
        Ok(self.constructor(token_ai, treasury, uri, owner)?)
    }
}

abi_core::entrypoint!(AAT);

#[cfg(feature = "export-abi")]
abi_core::generate_abi!(
    AAT,
    "AAT",
    structs: &[VOUCHER_STRUCT],
    functions: &[FUNCTIONS, abi_core::access::FUNCTIONS],
    errors: crate::error::ERROR_SIGNATURES,
    constructor: CONSTRUCTOR,
);
