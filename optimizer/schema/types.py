"""The base types of scenario files: ids, labels, shares, id lists, and the base of every section."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer


MAX_LABEL = 200  # characters of a name or label: longer ones are mistakes, and drawn they cost minutes


def not_a_flag(value):
    """Settings numbers are numbers: YAML reads `yes`, `no`, `on`, `off` as true/false, never as 1 or 0."""
    if isinstance(value, bool):
        raise Invalid(f"a number is needed here, not {str(value).lower()}", "a number (YAML reads yes/no/on/off as true/false)")
    return value


Id = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_\-]*$", max_length=64)]


Label = Annotated[str, Field(max_length=MAX_LABEL)]


# Table cells (zones, units, industries) are read column by column from CSV text: no flags there,
# and the number check below would cost a Python call per cell.
CellNonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]


CellPositive = Annotated[float, Field(gt=0, allow_inf_nan=False)]


NonNegative = Annotated[float, BeforeValidator(not_a_flag), Field(ge=0, allow_inf_nan=False)]


Positive = Annotated[float, BeforeValidator(not_a_flag), Field(gt=0, allow_inf_nan=False)]


Share = Annotated[float, BeforeValidator(not_a_flag), Field(ge=0, le=1, allow_inf_nan=False)]


Flag = Annotated[bool, Field(strict=True)]  # true or false, not 1, 0 or text


class Invalid(ValueError):
    """A validator's complaint, with what would be valid (pydantic keeps it in the error's context)."""

    def __init__(self, problem: str, valid: str):
        super().__init__(problem)
        self.valid = valid


def valid_for(detail: dict) -> str | None:
    return getattr(detail.get("ctx", {}).get("error"), "valid", None) or VALID_BY_ERROR.get(detail["type"])


def split_ids(value):
    return tuple(part.strip() for part in value.split(";") if part.strip()) if isinstance(value, str) else value


# Several ids in one CSV cell, separated by ";" (written back the same way).
IdList = Annotated[tuple[Id, ...], BeforeValidator(split_ids), PlainSerializer(lambda ids: ";".join(ids))]


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


Ids = Annotated[tuple[Id, ...], Field(min_length=1)]


Count = Annotated[int, BeforeValidator(not_a_flag), Field(ge=0)]




# What would be valid, by pydantic error type, where its message does not say it plainly.
VALID_BY_ERROR = {
    "string_pattern_mismatch": "an id: a letter, then letters, digits, _ or - (no spaces or other signs)",
    "finite_number": "a finite number (not nan or inf)",
    "float_parsing": "a number",
    "float_type": "a number",
    "int_parsing": "a whole number",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "int_parsing_size": "a whole number of ordinary size",
    "bool_parsing": "true or false",
    "bool_type": "true or false",
    "string_type": "text",
    "dict_type": "a mapping (key: value lines)",
    "model_type": "a mapping (key: value lines)",
    "list_type": "a list, e.g. [a, b]",
    "tuple_type": "a list, e.g. [a, b]",
    "missing": "a value: this field has no default",
    "too_short": "at least one item",
    "string_too_long": f"at most {MAX_LABEL} characters for a name or label, 64 for an id",
}
