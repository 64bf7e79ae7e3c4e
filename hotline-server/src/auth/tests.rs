//! Auth scenarios on temporary databases.
