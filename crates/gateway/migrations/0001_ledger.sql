-- The ledger as it stood when migrations began (every table is created
-- only when missing, so a ledger written before then is adopted as it is).
-- Written for SQLite and PostgreSQL both; `{bytes}` is the backend's type
-- of bytes (BLOB, BYTEA), filled in by `ledger::schema`.

-- Per holder and id: what is owed, the latest voucher, what requests in
-- flight reserve (PostgreSQL), what the chain settled or refused.
CREATE TABLE IF NOT EXISTS accounts (
    holder TEXT NOT NULL,
    token_id TEXT NOT NULL,
    owed BIGINT NOT NULL DEFAULT 0,
    reserved BIGINT NOT NULL DEFAULT 0,
    voucher_amount BIGINT NOT NULL DEFAULT 0,
    voucher_deadline BIGINT NOT NULL DEFAULT 0,
    voucher_signature TEXT,
    voucher_at BIGINT NOT NULL DEFAULT 0,
    settled BIGINT NOT NULL DEFAULT 0,
    rejected_amount BIGINT NOT NULL DEFAULT 0,
    rejected_reason TEXT,
    PRIMARY KEY (holder, token_id));

-- A voucher-paid request's budget, held until it is charged or released
-- (PostgreSQL; SQLite keeps these in memory).
CREATE TABLE IF NOT EXISTS reservations (
    request_id TEXT PRIMARY KEY,
    instance TEXT NOT NULL,
    holder TEXT NOT NULL,
    token_id TEXT NOT NULL,
    amount BIGINT NOT NULL,
    created_at BIGINT NOT NULL);

-- Every charge's signed usage receipt, and for a while its answer.
CREATE TABLE IF NOT EXISTS receipts (
    request_id TEXT PRIMARY KEY,
    scheme TEXT NOT NULL,
    payer TEXT NOT NULL,
    token_id TEXT NOT NULL,
    prompt_tokens BIGINT NOT NULL,
    completion_tokens BIGINT NOT NULL,
    units BIGINT NOT NULL,
    owed_after BIGINT NOT NULL,
    signature TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    answer {bytes},
    stream BIGINT);

-- The receipts that keep their answer, by age (for pruning).
CREATE INDEX IF NOT EXISTS receipts_kept ON receipts (created_at) WHERE answer IS NOT NULL;

-- `exact` payments, from the nonce's reservation to its settlement.
CREATE TABLE IF NOT EXISTS exact_payments (
    payer TEXT NOT NULL,
    nonce TEXT NOT NULL,
    pay_to TEXT NOT NULL,
    value TEXT NOT NULL,
    valid_after TEXT NOT NULL,
    valid_before TEXT NOT NULL,
    signature TEXT NOT NULL,
    status TEXT NOT NULL,
    tx TEXT,
    reason TEXT,
    created_at BIGINT NOT NULL,
    request_id TEXT,
    instance TEXT,
    PRIMARY KEY (payer, nonce));

CREATE INDEX IF NOT EXISTS exact_by_status ON exact_payments (status);

-- Who runs the settlement worker.
CREATE TABLE IF NOT EXISTS leases (
    name TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    expires_at BIGINT NOT NULL);

-- The EIP-712 digests of the vouchers settlement made public, with their
-- deadlines (kept until they pass).
CREATE TABLE IF NOT EXISTS published_vouchers (
    digest TEXT PRIMARY KEY,
    deadline BIGINT NOT NULL);
