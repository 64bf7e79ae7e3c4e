//! Scenario tests: the workflow stories, deadlines and reminders on a virtual clock, and a
//! property test over random step sequences.
