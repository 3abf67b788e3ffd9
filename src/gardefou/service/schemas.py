"""Request and response models (pydantic), also the source of the OpenAPI schema."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Optional, Union

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

PdqStr = Field(default=None, pattern=r"^[0-9a-fA-F]{64}$", description="PDQ hash: 64 hex characters")
Md5Str = Field(default=None, pattern=r"^[0-9a-fA-F]{32}$", description="MD5: 32 hex characters")
BankName = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$", min_length=1, max_length=100)

MAX_TEXT_CHARS = 100_000


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


# Free text stored in a text column (PostgreSQL refuses NUL characters there).
Text = Annotated[str, AfterValidator(_no_nul)]
_REGISTRY: dict[str, type[BaseModel]] = {}


def ref(model: type[BaseModel]) -> dict[str, str]:
    """A `$ref` to `model` for routes that parse their body by hand (added to components by the app)."""
    _REGISTRY[model.__name__] = model
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def registered_schemas() -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for model in _REGISTRY.values():
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        out.update(schema.pop("$defs", {}))
        out[model.__name__] = schema
    return out


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- errors --------------------------------------------------------------------------------------
class ErrorDetail(BaseModel):
    code: str
    message: str
    details: Optional[Any] = None


class ErrorResponse(BaseModel):
    error: ErrorDetail


# -- banks ---------------------------------------------------------------------------------------
class BankCreate(Strict):
    name: str = BankName
    description: Text = Field(default="", max_length=10_000)
    kind: Literal["block", "allow"] = "block"
    max_distance: Optional[int] = Field(default=None, ge=0, le=256, description="PDQ threshold (inclusive); default 31")


class BankPatch(Strict):
    description: Optional[Text] = Field(default=None, max_length=10_000)
    kind: Optional[Literal["block", "allow"]] = None
    max_distance: Optional[int] = Field(default=None, ge=0, le=256)


class BankOut(BaseModel):
    id: int
    name: str
    description: str
    kind: str
    max_distance: Optional[int]
    entry_count: int
    created_at: Optional[str]


class BankList(BaseModel):
    banks: list[BankOut]


# -- entries -------------------------------------------------------------------------------------
class EntryIn(Strict):
    pdq: Optional[str] = PdqStr
    md5: Optional[str] = Md5Str
    quality: Optional[int] = Field(default=None, ge=0, le=100)
    metadata: dict[str, Any] = Field(default_factory=dict)


class EntryOut(BaseModel):
    id: int
    bank: str
    pdq: Optional[str]
    md5: Optional[str]
    quality: Optional[int]
    metadata: dict[str, Any]
    created_at: Optional[str]


class EntryPage(BaseModel):
    entries: list[EntryOut]
    next_cursor: Optional[str] = Field(description="pass as ?cursor= for the next page; null at the end")


class EntryIds(BaseModel):
    ids: list[int]
    count: int


# -- cases ---------------------------------------------------------------------------------------
class CaseHash(Strict):
    pdq: Optional[str] = PdqStr
    md5: Optional[str] = Md5Str
    quality: Optional[int] = Field(default=None, ge=0, le=100)


class CaseCreate(Strict):
    bank: str = BankName
    hashes: list[CaseHash] = Field(min_length=1, max_length=10_000)
    note: Text = Field(default="", max_length=2000)


class CaseCreated(BaseModel):
    case_id: str
    withdraw_token: str = Field(description="shown once; needed to see or withdraw the case")
    hash_count: int


class CaseStatus(BaseModel):
    case_id: str
    status: Literal["active", "withdrawn"]
    match_count: int
    hash_count: int
    created_at: Optional[str]
    withdrawn_at: Optional[str]


# -- scanning ------------------------------------------------------------------------------------
class ScanHash(Strict):
    pdq: Optional[str] = PdqStr
    md5: Optional[str] = Md5Str
    quality: Optional[int] = Field(default=None, ge=0, le=100, description="PDQ quality; below 50 the PDQ hash is not matched")
    banks: Optional[list[str]] = Field(default=None, max_length=100, description="only these banks (default: all)")


class ScanText(Strict):
    text: str = Field(max_length=MAX_TEXT_CHARS)


class BatchItem(Strict):
    id: Optional[Union[str, int]] = Field(default=None, description="echoed back")
    pdq: Optional[str] = PdqStr
    md5: Optional[str] = Md5Str
    quality: Optional[int] = Field(default=None, ge=0, le=100)
    text: Optional[str] = Field(default=None, max_length=MAX_TEXT_CHARS)


class ScanBatch(Strict):
    items: list[BatchItem] = Field(min_length=1, max_length=1000)
    banks: Optional[list[str]] = Field(default=None, max_length=100)


class MatchOut(BaseModel):
    bank: str
    entry_id: int
    distance: int
    signal: Literal["pdq", "md5"]
    bank_kind: Literal["block", "allow"]
    transform: Optional[str] = None
    metadata: dict[str, Any] = Field(default_factory=dict)


class DecisionOut(BaseModel):
    action: Literal["block", "review", "allow"]
    reasons: list[dict[str, Any]]


class HashScanResult(BaseModel):
    pdq: Optional[str]
    md5: Optional[str]
    quality: Optional[int] = None
    matches: list[MatchOut]
    decision: DecisionOut
    review_id: Optional[int] = None


class ImageScanResult(HashScanResult):
    width: int
    height: int


class TextScanResult(BaseModel):
    verdict: dict[str, Any]
    links: list[dict[str, Any]]
    decision: DecisionOut
    review_id: Optional[int] = None


class BatchResult(BaseModel):
    results: list[dict[str, Any]]


# -- review, audit, keys -------------------------------------------------------------------------
class ReviewDecision(Strict):
    decision: Literal["confirm", "dismiss"]
    note: Text = Field(default="", max_length=10_000)


class ReviewOut(BaseModel):
    id: int
    kind: str
    action: str
    reasons: list[Any]
    subject: dict[str, Any]
    status: str
    created_by: Optional[str]
    created_at: Optional[str]
    decided_by: Optional[str]
    decided_at: Optional[str]
    note: str


class ReviewPage(BaseModel):
    items: list[ReviewOut]
    next_cursor: Optional[str]


class AuditOut(BaseModel):
    id: int
    at: Optional[str]
    actor: str
    action: str
    target: str
    details: dict[str, Any]


class AuditPage(BaseModel):
    events: list[AuditOut]
    next_cursor: Optional[str]


class KeyCreate(Strict):
    role: Literal["admin", "reviewer", "scanner", "intake"]
    name: Optional[Text] = Field(default=None, max_length=100)


class KeyOut(BaseModel):
    id: int
    name: str
    role: str
    prefix: str
    created_at: Optional[str]
    revoked_at: Optional[str]
    active: bool


class KeyCreated(KeyOut):
    key: str = Field(description="the secret, shown once")


class KeyList(BaseModel):
    keys: list[KeyOut]
