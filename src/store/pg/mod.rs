//! The PostgreSQL backend (server mode).

pub mod target;

use crate::error::{Error, Result};
use crate::store::{Db, OpenMode};

/// A pool of connections to one PostgreSQL database.
#[derive(Clone, Debug)]
pub struct Store {}

impl Store {
    /// Connects and migrates.
    pub fn open(_target: &target::Target, _mode: OpenMode) -> Result<Store> {
        Err(Error::internal("server mode is not built yet"))
    }

    /// A pooled connection.
    pub fn conn(&self) -> Result<Conn> {
        Err(Error::internal("server mode is not built yet"))
    }
}

/// One connection.
pub struct Conn {}

impl Conn {
    /// A write transaction.
    pub fn write<T>(&mut self, _f: &mut dyn FnMut(&mut dyn Db) -> Result<T>) -> Result<T> {
        Err(Error::internal("server mode is not built yet"))
    }
    /// A read transaction.
    pub fn read<T>(&mut self, _f: impl FnOnce(&mut dyn Db) -> Result<T>) -> Result<T> {
        Err(Error::internal("server mode is not built yet"))
    }
    /// Begins the enclosing transaction.
    pub fn begin_enclosing(&mut self) -> Result<()> {
        Err(Error::internal("server mode is not built yet"))
    }
    /// Ends the enclosing transaction.
    pub fn end_enclosing(&mut self, _commit: bool) -> Result<()> {
        Err(Error::internal("server mode is not built yet"))
    }
    /// True inside the enclosing transaction.
    pub fn in_transaction(&self) -> bool {
        false
    }
}
