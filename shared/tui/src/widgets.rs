//! Small widgets shared by the workstations.

pub mod meter;
pub mod popup;
pub mod status_bar;
pub mod table;

pub use meter::level_bar;
pub use status_bar::{Segment, status_line};
pub use table::{Column, table_lines};
