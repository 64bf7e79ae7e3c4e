-- 0009: what a campaign is for. 'follow_up' and 'survey' calls record the citizen's keypad
-- answer; a 'dispatch' call reads a dispatch order to a department's duty phone and counts only
-- when the team acknowledges it (then the ticket is accepted, 签收).
ALTER TABLE campaigns ADD COLUMN purpose TEXT NOT NULL DEFAULT 'follow_up'
    CHECK (purpose IN ('follow_up', 'survey', 'dispatch'));
