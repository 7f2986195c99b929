//! Changing feeds.toml for the operator: [`append_source`] adds one `[[source]]` at the end
//! of the file, every byte before it untouched (`feedmill add`); [`init`] writes a starter
//! file (`feedmill init`).

mod append;
mod init;

pub use append::{
    append_source, append_to_file, appended, existing_sources, taken, Appended, EditError,
    Existing, Located, NewSource,
};
pub use init::{init, STARTER};
