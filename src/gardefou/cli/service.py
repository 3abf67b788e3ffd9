"""`gardefou serve` (the HTTP service) and `gardefou keys ...` (its API keys)."""

from __future__ import annotations

import os
from typing import Optional

import typer
from typing_extensions import Annotated

from gardefou.cli.common import DataDirOption, DbOption, fail, write_jsonl
from gardefou.config import resolve_settings

keys_app = typer.Typer(help="Create, list and revoke the service's API keys.", no_args_is_help=True)
ROLES = ("admin", "reviewer", "scanner", "intake")


def register(app: typer.Typer) -> None:
    """Add `serve` and `keys` to the top-level app."""
    app.command("serve")(serve)
    app.add_typer(keys_app, name="keys")


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on (0.0.0.0 for every interface).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes (each keeps its own index in step through the database).")] = 1,
    policy: Annotated[Optional[str], typer.Option("--policy", envvar="GARDEFOU_POLICY", help="Decision policy file (JSON or TOML).")] = None,
    retain_media: Annotated[bool, typer.Option("--retain-media", help="Keep uploaded images under <data-dir>/media (off: memory only).")] = False,
    max_body_mb: Annotated[Optional[float], typer.Option("--max-body-mb", min=0.001, help="Largest request body in MiB. [default: 20]")] = None,
    max_pixels: Annotated[Optional[int], typer.Option("--max-pixels", min=1, help="Largest image in pixels. [default: 200,000,000]")] = None,
    demo: Annotated[bool, typer.Option("--demo", help="Create a demo bank and print a fresh admin key.")] = False,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
    data_dir: DataDirOption = None,
    db: DbOption = None,
) -> None:
    """Run the HTTP API (OpenAPI docs at /docs)."""
    from gardefou.service.config import MiB, ServiceConfig
    from gardefou.service.server import serve as run
    from gardefou.verdict import PolicyError

    settings = resolve_settings(data_dir, db)
    if policy:
        os.environ["GARDEFOU_POLICY"] = policy  # so extra worker processes read the same policy
    try:
        config = ServiceConfig.from_env(retain_media=retain_media or None,
                                        max_body_bytes=int(max_body_mb * MiB) if max_body_mb else None,
                                        max_pixels=max_pixels)
    except (PolicyError, ValueError) as exc:
        raise fail(str(exc), 2)
    if retain_media:
        os.environ["GARDEFOU_RETAIN_MEDIA"] = "1"
    run(settings, host, port, demo=demo, workers=workers, config=config, log_level=log_level)


def _store(data_dir, db):
    from gardefou.store import open_store

    return open_store(resolve_settings(data_dir, db))


@keys_app.command("create")
def keys_create(
    role: Annotated[str, typer.Option("--role", help="admin | reviewer | scanner | intake")],
    name: Annotated[Optional[str], typer.Option("--name", help="A name to recognise the key by (shown in the audit log).")] = None,
    data_dir: DataDirOption = None,
    db: DbOption = None,
) -> None:
    """Create a key and print it once (only its SHA-256 is stored)."""
    from gardefou.store import StoreError
    from gardefou.store import service_repo as repo

    if role not in ROLES:
        raise fail(f"--role must be one of {', '.join(ROLES)}", 2)
    store = _store(data_dir, db)
    try:
        secret, info = repo.create_key(store, role, name)
        repo.audit(store, "cli", "key.create", info.name, {"key_id": info.id, "key_role": role})
    except StoreError as exc:
        raise fail(str(exc))
    finally:
        store.close()
    typer.echo(secret)
    typer.echo(f"created {role} key {info.name!r} (id {info.id}); this is the only time it is shown", err=True)


@keys_app.command("list")
def keys_list(
    all_: Annotated[bool, typer.Option("--all", help="Include revoked keys.")] = False,
    data_dir: DataDirOption = None,
    db: DbOption = None,
) -> None:
    """List keys (JSON Lines; never the secrets)."""
    from gardefou.store import service_repo as repo

    store = _store(data_dir, db)
    try:
        write_jsonl(k.to_dict() for k in repo.list_keys(store, include_revoked=all_))
    finally:
        store.close()


@keys_app.command("revoke")
def keys_revoke(
    key: Annotated[str, typer.Argument(help="The key's id, name or prefix (first 12 characters).")],
    data_dir: DataDirOption = None,
    db: DbOption = None,
) -> None:
    """Revoke a key (running servers stop accepting it within about a second)."""
    from gardefou.store import StoreError
    from gardefou.store import service_repo as repo

    store = _store(data_dir, db)
    try:
        info = repo.revoke_key(store, key)
        repo.audit(store, "cli", "key.revoke", info.name, {"key_id": info.id})
    except StoreError as exc:
        raise fail(str(exc))
    finally:
        store.close()
    write_jsonl([info.to_dict()])
