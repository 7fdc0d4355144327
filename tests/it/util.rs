//! What only these tests add to the test kit: this checkout (the repository and the
//! `attache` binary cargo built for the tests), and a project's settings read by attache's
//! own loader (the kit does not depend on attache).

use std::collections::HashMap;
use std::path::PathBuf;

use attache::config::Settings;
use testkit::{Checkout, Project};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The repository and the `attache` binary under test, for the kit's projects and bots.
pub fn checkout() -> Checkout {
    Checkout::new(repo(), env!("CARGO_BIN_EXE_attache"))
}

/// A project's configuration as `attache` itself reads it.
pub trait ProjectSettings {
    fn settings(&self) -> Settings;
}

impl ProjectSettings for Project {
    fn settings(&self) -> Settings {
        Settings::load(&self.path("config"), &HashMap::new()).unwrap()
    }
}
