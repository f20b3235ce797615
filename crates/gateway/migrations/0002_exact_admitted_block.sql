-- A block at which an `exact` payment's nonce was still unused: the search
-- for how it was spent starts there, not at genesis. Rows from before it
-- have none and are searched from genesis.
ALTER TABLE exact_payments ADD COLUMN admitted_block BIGINT;
