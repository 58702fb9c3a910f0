//! Field-level validation errors, collected so a refusal names every bad field at once.

use serde::Serialize;

/// One problem with one input field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// JSON path of the field, e.g. `uscc` or `variants[1].stock`.
    pub field: String,
    /// Stable machine code, e.g. `invalid_check_character`.
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
}

impl FieldError {
    /// A new field error.
    pub fn new(field: impl Into<String>, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), code: code.into(), message: message.into() }
    }
}

/// Every field error found while parsing one input.
#[derive(Debug, Clone, PartialEq, Eq, Default, thiserror::Error)]
#[error("invalid input: {}", .0.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; "))]
pub struct Invalid(pub Vec<FieldError>);

/// Accumulates field errors while a constructor parses its input.
#[derive(Debug, Default)]
pub struct Errors(Vec<FieldError>);

impl Errors {
    /// An empty collector.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records an error.
    pub fn push(&mut self, field: impl Into<String>, code: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError::new(field, code, message));
    }

    /// Keeps the value of a parse, or records its error under `field` and returns `None`.
    pub fn take<T, E: CodedError>(&mut self, field: &str, r: Result<T, E>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.push(field, e.code(), e.to_string());
                None
            }
        }
    }

    /// Records every error of a nested parse, prefixing its fields.
    pub fn nest(&mut self, prefix: &str, inner: Invalid) {
        for e in inner.0 {
            self.0.push(FieldError { field: format!("{prefix}.{}", e.field), ..e });
        }
    }

    /// Whether nothing went wrong so far.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(value)` when no error was recorded.
    pub fn finish<T>(self, value: impl FnOnce() -> T) -> Result<T, Invalid> {
        if self.0.is_empty() {
            Ok(value())
        } else {
            Err(Invalid(self.0))
        }
    }
}

/// An error with a stable machine code.
pub trait CodedError: std::fmt::Display {
    /// The stable code.
    fn code(&self) -> &'static str;
}

impl CodedError for crate::ids::IdError {
    fn code(&self) -> &'static str {
        crate::ids::IdError::code(self)
    }
}
