"""Errors a user can cause. Services raise them; the API and pages show them."""


class DomainError(Exception):
    """A request that cannot be done, with the field at fault and a sentence a person
    can act on. The API answers it as 400 `{field: [message]}`."""

    def __init__(self, message: str, *, field: str = "non_field_errors") -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"
