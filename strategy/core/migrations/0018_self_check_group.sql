-- The smallest number of people who must rate a step before its results show, chosen
-- by the facilitator when opening the round and told to everyone before they rate.
-- Rounds held before this was a choice keep the rule they were held under: five.
ALTER TABLE self_check_round ADD COLUMN min_group INTEGER DEFAULT 5;
