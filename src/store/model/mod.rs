//! The records the store reads and writes, shared by every backend: typed
//! rows with the output contract's keys, what to create, what to change, and
//! the filters of each `list`.

pub mod clients;
pub mod collaborators;
pub mod contracts;
pub mod events;
