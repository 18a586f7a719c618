//! The library's error type. Callers (the binary, tests, a future library user) match on
//! the kind of failure, not on message text; `main` alone turns errors into text and exit
//! codes. Messages read like sentences (lowercase, action first); causes are chained with
//! [`Error::Context`] so the binary prints one `caused by:` line per level.

use std::fmt;

use crate::report::ProfileError;

/// Everything the library can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A profile (or one it extends) has problems, each at its file, line and key. Boxed:
    /// it carries the source files for excerpts.
    #[error(transparent)]
    Profile(Box<ProfileError>),
    /// Input that is not a profile file and is unusable: a `--profile` argument, a `--set`
    /// override, an environment variable, a manifest given to `lint` or `import`, a plugin
    /// request.
    #[error("{0}")]
    Input(String),
    /// The output tree is in a state the tool refuses to touch (a linked directory, files it
    /// does not own, a lock it cannot take).
    #[error("{0}")]
    Tree(String),
    /// A file or directory could not be read, written or listed.
    #[error("{message}")]
    Io {
        /// What was being done, e.g. `cannot read profiles/prod.toml`.
        message: String,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// `message`, caused by `source`.
    #[error("{message}")]
    Context {
        /// What was being done.
        message: String,
        /// Why it failed.
        #[source]
        source: Box<Error>,
    },
}

/// `Result` with the library's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An [`Error::Io`] with the action that failed.
    pub fn io(message: impl fmt::Display, source: std::io::Error) -> Self {
        Error::Io {
            message: message.to_string(),
            source,
        }
    }

    /// The innermost error, past every [`Error::Context`].
    pub fn root(&self) -> &Error {
        match self {
            Error::Context { source, .. } => source.root(),
            e => e,
        }
    }

    /// The profile problems, when the failure is a bad profile (at any depth of context).
    pub fn as_profile(&self) -> Option<&ProfileError> {
        match self.root() {
            Error::Profile(p) => Some(p),
            _ => None,
        }
    }
}

impl From<ProfileError> for Error {
    fn from(e: ProfileError) -> Self {
        Error::Profile(Box::new(e))
    }
}

/// Adds context to a failure, as `anyhow::Context` does, keeping the kind underneath. On an
/// `std::io::Error` it gives an [`Error::Io`] whose message says what was being done.
pub trait Context<T> {
    /// Wraps the error with `message`.
    fn context(self, message: impl fmt::Display) -> Result<T>;
    /// Like [`Context::context`], with the message built only on failure.
    fn with_context<M: fmt::Display>(self, message: impl FnOnce() -> M) -> Result<T>;
}

/// Errors [`Context`] can wrap.
pub trait Wrap {
    /// This error as the cause of a failure described by `message`.
    fn wrap(self, message: String) -> Error;
}

impl Wrap for Error {
    fn wrap(self, message: String) -> Error {
        Error::Context {
            message,
            source: Box::new(self),
        }
    }
}

impl Wrap for ProfileError {
    fn wrap(self, message: String) -> Error {
        Error::from(self).wrap(message)
    }
}

impl Wrap for std::io::Error {
    fn wrap(self, message: String) -> Error {
        Error::Io {
            message,
            source: self,
        }
    }
}

impl<T, E: Wrap> Context<T> for std::result::Result<T, E> {
    fn context(self, message: impl fmt::Display) -> Result<T> {
        self.map_err(|e| e.wrap(message.to_string()))
    }

    fn with_context<M: fmt::Display>(self, message: impl FnOnce() -> M) -> Result<T> {
        self.map_err(|e| e.wrap(message().to_string()))
    }
}

/// Returns early with an error of the given kind, its message built like `format!`:
/// `fail!(Tree, "cannot write {}", path)`.
#[macro_export]
macro_rules! fail {
    ($kind:ident, $($arg:tt)*) => {
        return Err($crate::error::Error::$kind(format!($($arg)*)))
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_keeps_the_kind_underneath() {
        let r: Result<()> = Err(Error::Tree("a linked directory".into()));
        let e = r.context("cannot write k8s").unwrap_err();
        assert_eq!(e.to_string(), "cannot write k8s");
        assert!(matches!(e.root(), Error::Tree(m) if m == "a linked directory"));
        let chain: Vec<String> =
            std::iter::successors(Some(&e as &dyn std::error::Error), |e| e.source())
                .map(|e| e.to_string())
                .collect();
        assert_eq!(chain, ["cannot write k8s", "a linked directory"]);
    }
}
