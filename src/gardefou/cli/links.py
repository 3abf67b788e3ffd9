"""`gardefou links extract` and `gardefou providers list|show|check|add|import|remove`."""

from __future__ import annotations

import datetime as _dt
import sys
from pathlib import Path
from typing import Any, List, Optional

import typer
from typing_extensions import Annotated

from gardefou.cli.common import DataDirOption, DbOption, fail, open_input, read_text_inputs, write_jsonl

links_app = typer.Typer(help="Extract links (URLs, disguised domains, Telegram, app stores, e-mails) from text.", no_args_is_help=True)
providers_app = typer.Typer(help="The registry of known undressing services: shipped list plus your local additions.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add `links` and `providers` to the top-level app."""
    app.add_typer(links_app, name="links")
    app.add_typer(providers_app, name="providers")


# -- store access ------------------------------------------------------------------------------
def _settings(data_dir: str | None, db: str | None):
    from gardefou.config import resolve_settings

    return resolve_settings(data_dir, db)


def _store_exists(settings) -> bool:
    url = settings.db_url
    if url.startswith("sqlite:///"):
        return Path(url[len("sqlite:///"):]).exists()
    return True


def _open_store(data_dir: str | None, db: str | None, create: bool):
    """The local store, or None when it does not exist yet and `create` is False."""
    settings = _settings(data_dir, db)
    if not create and not _store_exists(settings):
        return None
    from gardefou.store import open_store

    return open_store(settings)


def _local_entries(data_dir: str | None, db: str | None) -> list[dict]:
    store = _open_store(data_dir, db, create=False)
    if store is None:
        return []
    try:
        return store.list_providers()
    finally:
        close = getattr(store, "close", None)
        if close:
            close()


def _registry(data_dir: str | None, db: str | None):
    from gardefou.links import RegistryError, load_registry

    try:
        local = _local_entries(data_dir, db)
    except Exception as exc:  # a broken or unreachable store must not stop extraction
        typer.echo(f"warning: local providers not loaded ({exc}); using the shipped registry", err=True)
        local = []
    try:
        return load_registry(local)
    except RegistryError as exc:
        typer.echo(f"warning: invalid local providers ignored ({exc})", err=True)
        return load_registry()


# -- links extract -----------------------------------------------------------------------------
@links_app.command("extract")
def links_extract(
    file: Annotated[Optional[str], typer.Argument(help="Input file, one text per line; '-' or nothing for stdin.")] = None,
    jsonl: Annotated[bool, typer.Option("--jsonl", help="Input lines are JSON objects with 'text' and optional 'id'.")] = False,
    max_links: Annotated[int, typer.Option("--max-links", min=1, help="At most this many links per text.")] = 1000,
    data_dir: DataDirOption = None,
    db: DbOption = None,
) -> None:
    """One JSON object per input line, in order: {"links": [...]} (with "id" under --jsonl)."""
    from gardefou.links import extract_links

    registry = _registry(data_dir, db)
    try:
        stream = open_input(file)
    except OSError as exc:
        raise fail(f"cannot read {file}: {exc}")

    def records():
        for item in read_text_inputs(stream, jsonl=jsonl):
            rec: dict[str, Any] = {}
            if jsonl:
                rec["id"] = item.id
            if item.error is not None or item.text is None:
                rec["error"] = item.error or "unreadable line"
                rec["line"] = item.line_no
                yield rec
                continue
            try:
                rec["links"] = [link.to_dict() for link in extract_links(item.text, registry=registry, max_links=max_links)]
            except Exception as exc:  # one bad record must not end the stream
                rec["error"] = f"line {item.line_no}: {type(exc).__name__}: {exc}"
            yield rec

    try:
        write_jsonl(records())
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()


# -- providers ---------------------------------------------------------------------------------
def _with_origin(entry: dict, origin: str) -> dict:
    return {**entry, "origin": origin}


@providers_app.command("list")
def providers_list(
    origin: Annotated[str, typer.Option("--origin", help="all, shipped or local.")] = "all",
    data_dir: DataDirOption = None,
    db: DbOption = None,
) -> None:
    """Every provider (JSON Lines), the shipped registry merged with local additions."""
    from gardefou.links import load_registry, shipped_entries, validate_entries

    if origin not in ("all", "shipped", "local"):
        raise fail("--origin must be all, shipped or local")
    shipped = shipped_entries()
    local = _local_entries(data_dir, db)
    if origin == "shipped":
        write_jsonl(_with_origin(e, "shipped") for e in shipped)
        return
    if origin == "local":
        write_jsonl(_with_origin(e, "local") for e in local)
        return
    from gardefou.links import RegistryError

    try:
        names_local = {e["name"].casefold() for e in validate_entries(local)}
        registry = load_registry(local)
    except RegistryError as exc:
        typer.echo(f"warning: invalid local providers ignored ({exc})", err=True)
        names_local, registry = set(), load_registry()
    names_shipped = {e["name"].casefold() for e in shipped}
    out = []
    for e in registry.entries:
        k = e["name"].casefold()
        out.append(_with_origin(e, "shipped+local" if k in names_shipped and k in names_local else "local" if k in names_local else "shipped"))
    write_jsonl(out)


@providers_app.command("show")
def providers_show(
    name: Annotated[str, typer.Argument(help="Provider name or alias (case-insensitive).")],
    data_dir: DataDirOption = None,
    db: DbOption = None,
) -> None:
    """One provider as JSON; exit code 1 if unknown."""
    registry = _registry(data_dir, db)
    entry = registry.get(name)
    if entry is None:
        raise fail(f"unknown provider: {name}")
    write_jsonl([entry])


@providers_app.command("check")
def providers_check(
    values: Annotated[List[str], typer.Argument(help="Domains, URLs, e-mail addresses or @handles (disguised forms accepted).")],
    data_dir: DataDirOption = None,
    db: DbOption = None,
) -> None:
    """Does each value belong to a known provider (exact), imitate one (lookalike) or neither (none)?"""
    from gardefou.links import check_domain

    registry = _registry(data_dir, db)
    write_jsonl(check_domain(v, registry=registry).to_dict() for v in values)


def _upsert(store, entries: list[dict]) -> list[dict]:
    from gardefou.links import merge_entries

    existing = {e["name"].casefold(): e for e in store.list_providers() if isinstance(e, dict) and "name" in e}
    saved = []
    for entry in entries:
        old = existing.get(entry["name"].casefold())
        merged = merge_entries([old], [entry])[0] if old else entry
        store.upsert_provider(merged)
        existing[merged["name"].casefold()] = merged
        saved.append(merged)
    return saved


@providers_app.command("add")
def providers_add(
    name: Annotated[str, typer.Option("--name", help="Provider name (an existing local entry of that name is extended).")],
    domain: Annotated[Optional[List[str]], typer.Option("--domain", help="Domain or URL; repeatable.")] = None,
    bot: Annotated[Optional[List[str]], typer.Option("--bot", help="Telegram bot username; repeatable.")] = None,
    app_id: Annotated[Optional[List[str]], typer.Option("--app-id", help="App Store id (id123…) or Play package; repeatable.")] = None,
    alias: Annotated[Optional[List[str]], typer.Option("--alias", help="Other name; repeatable.")] = None,
    brand_token: Annotated[Optional[List[str]], typer.Option("--brand-token", help="Distinctive token for look-alike detection; repeatable.")] = None,
    operator: Annotated[Optional[str], typer.Option("--operator", help="Operating entity, if publicly reported.")] = None,
    source: Annotated[Optional[str], typer.Option("--source", help="Title of the report this comes from.")] = None,
    publisher: Annotated[Optional[str], typer.Option("--publisher", help="Publisher of that report.")] = None,
    source_url: Annotated[Optional[str], typer.Option("--source-url", help="Where the report was published.")] = None,
    date_seen: Annotated[Optional[str], typer.Option("--date-seen", help="YYYY-MM-DD. [default: today]")] = None,
    notes: Annotated[Optional[str], typer.Option("--notes")] = None,
    data_dir: DataDirOption = None,
    db: DbOption = None,
) -> None:
    """Add or extend a provider in the local store (validated against the registry schema)."""
    from gardefou.links import RegistryError, normalize_domain, validate_entries

    today = _dt.date.today().isoformat()
    domains = []
    for d in domain or []:
        nd = normalize_domain(d)
        if nd is None:
            raise fail(f"not a valid domain: {d}")
        domains.append(nd)
    src: dict[str, Any] = {"title": source or "added locally", "publisher": publisher or "local user", "date": today}
    if source_url:
        src["url"] = source_url
    entry: dict[str, Any] = {"name": name, "sources": [src], "date_seen": date_seen or today}
    for key, values in (("aliases", alias), ("domains", domains), ("telegram_bots", bot), ("app_ids", app_id),
                        ("brand_tokens", [t.lower() for t in brand_token or []])):
        if values:
            entry[key] = list(dict.fromkeys(values))
    if operator:
        entry["operator"] = operator
    if notes:
        entry["notes"] = notes
    if not any(entry.get(k) for k in ("domains", "telegram_bots", "app_ids", "brand_tokens", "aliases")):
        raise fail("give at least one --domain, --bot, --app-id, --brand-token or --alias")
    try:
        (entry,) = validate_entries([entry])
    except RegistryError as exc:
        raise fail(str(exc))
    store = _open_store(data_dir, db, create=True)
    write_jsonl(_upsert(store, [entry]))


@providers_app.command("import")
def providers_import(
    file: Annotated[str, typer.Argument(help="YAML or JSON: a list of providers, {\"providers\": [...]}, or a registry file; '-' for stdin.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate only.")] = False,
    data_dir: DataDirOption = None,
    db: DbOption = None,
) -> None:
    """Validate a provider file and merge its entries into the local store."""
    from gardefou.links import RegistryError, parse_provider_document

    try:
        raw = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
    except OSError as exc:
        raise fail(f"cannot read {file}: {exc}")
    try:
        entries = parse_provider_document(raw.decode("utf-8", errors="replace"))
    except RegistryError as exc:
        for message in exc.errors:
            typer.echo(f"error: {message}", err=True)
        raise typer.Exit(1)
    if dry_run:
        write_jsonl([{"valid": len(entries), "names": [e["name"] for e in entries]}])
        return
    store = _open_store(data_dir, db, create=True)
    saved = _upsert(store, entries)
    write_jsonl([{"imported": len(saved), "names": [e["name"] for e in saved]}])


@providers_app.command("remove")
def providers_remove(
    name: Annotated[str, typer.Argument(help="Name of a locally added provider.")],
    data_dir: DataDirOption = None,
    db: DbOption = None,
) -> None:
    """Remove a locally added provider (shipped entries cannot be removed)."""
    store = _open_store(data_dir, db, create=False)
    removed = False
    if store is not None:
        for e in store.list_providers():
            if e.get("name", "").casefold() == name.casefold():
                removed = store.remove_provider(e["name"]) or removed
    if not removed:
        raise fail(f"no local provider named {name}")
    write_jsonl([{"removed": name}])
