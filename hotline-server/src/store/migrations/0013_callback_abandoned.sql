-- 0013: of a callback's dialled attempts, those the hotline itself abandoned (the agent logged
-- out or their workstation went away while the citizen's phone rang). They are not the
-- citizen's failure and do not count against the queue's attempt limit, also after a restart.
ALTER TABLE callbacks ADD COLUMN abandoned INTEGER NOT NULL DEFAULT 0;
