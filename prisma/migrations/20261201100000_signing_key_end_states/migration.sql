-- A retired key whose publication has ended, and a key withdrawn after a leak, each get a state of their own,
-- so that the scheduled lifecycle can take the "unpublished" step exactly once and ops can tell the two apart.
ALTER TYPE "signing_key_state" ADD VALUE 'expired';
ALTER TYPE "signing_key_state" ADD VALUE 'withdrawn';
