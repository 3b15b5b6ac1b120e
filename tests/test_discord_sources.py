"""/source add|list|remove and /reindex [source]: admins only, scoped to the server, with the
real source service behind them (a real HTTP server on 127.0.0.1, fake embeddings)."""

from __future__ import annotations

import asyncio

import discord
import pytest
from pytest_httpserver import HTTPServer
from support_web import local_server, page_html, serve_page, source_services
from test_discord_fakes import (
    ADMIN,
    MEMBER,
    FakeInteraction,
    FakeLibrary,
    FakeQA,
    allows_no_mentions,
    make_settings,
)

from bot.client import NewsdeskBot
from bot.cogs.admin import STARTING, AdminCog
from bot.cogs.sources_admin import GLOBAL_REFUSAL, NO_SOURCES, REFUSAL, SourceAdminCog
from bot.render import render_report

OWNER = 4242
GUILD_A, GUILD_B = 1, 2


@pytest.fixture
def httpserver() -> HTTPServer:
    """A real HTTP server on 127.0.0.1 (threaded), fresh for each test."""
    return local_server()


@pytest.fixture
def services(tmp_path):
    services = source_services(tmp_path)
    yield services
    services.close()


def cogs(services) -> tuple[SourceAdminCog, AdminCog]:
    sources = services.sources
    return (
        SourceAdminCog(sources, owner_ids=[OWNER]),
        AdminCog(services.library, owner_ids=[OWNER], progress_interval=0.01, sources=sources),
    )


def texts(interaction: FakeInteraction) -> list[str]:
    return [call.content for call in interaction.events.messages()]


def admin(guild: int | None = GUILD_A, user: int = 42) -> FakeInteraction:
    return FakeInteraction(guild_id=guild, user_id=user, permissions=ADMIN)


async def add(cog: SourceAdminCog, interaction: FakeInteraction, url: str, **kwargs) -> str:
    await SourceAdminCog.add.callback(cog, interaction, url, **kwargs)
    return texts(interaction)[-1]


def test_the_source_commands_are_hidden_from_members(services) -> None:
    bot = NewsdeskBot(make_settings(), FakeQA(), FakeLibrary(), sources=services.sources)
    group = SourceAdminCog.source
    assert group.default_permissions == discord.Permissions(manage_guild=True)
    assert {c.name for c in group.commands} == {"add", "list", "remove"}
    assert all(c.description for c in group.commands)
    reindex = AdminCog.reindex
    assert [p.name for p in reindex.parameters] == ["source"]
    assert reindex.parameters[0].required is False and reindex.parameters[0].autocomplete
    assert {type(c).__name__ for c in bot.make_cogs()} >= {"SourceAdminCog", "AdminCog"}
    plain = NewsdeskBot(make_settings(), FakeQA(), FakeLibrary())
    assert "SourceAdminCog" not in {type(c).__name__ for c in plain.make_cogs()}


@pytest.mark.parametrize(
    "interaction",
    [FakeInteraction(permissions=MEMBER), FakeInteraction(guild_id=None, permissions=ADMIN)],
    ids=["member", "dm"],
)
async def test_members_are_refused_and_nothing_changes(services, interaction) -> None:
    source_cog, _ = cogs(services)
    await SourceAdminCog.add.callback(source_cog, interaction, "https://example.test/feed")
    for command in (SourceAdminCog.list_sources, SourceAdminCog.remove):
        fresh = FakeInteraction(guild_id=interaction.guild_id, permissions=interaction.permissions)
        args = ("s1",) if command is SourceAdminCog.remove else ()
        await command.callback(source_cog, fresh, *args)
        assert texts(fresh) == [REFUSAL]
    assert texts(interaction) == [REFUSAL]
    assert interaction.events[0].kwargs["ephemeral"] is True
    assert services.sources.list() == []


async def test_an_admin_adds_a_source_for_this_server_only(services, httpserver) -> None:
    source_cog, _ = cogs(services)
    url = serve_page(httpserver, "/glass", page_html("glassworks"))

    reply = await add(source_cog, admin(), url, every="2h")

    [source] = services.sources.list()
    assert (source.guild_id, source.interval_seconds, source.kind) == (str(GUILD_A), 7200, "page")
    assert source.trusted is False  # an admin's source may not reach private addresses
    assert reply.startswith("Added **`s1`** page <http")
    assert "every 2h · this server" in reply and "polled every 2h" in reply


async def test_private_addresses_are_refused_for_server_admins(tmp_path, httpserver) -> None:
    guarded = source_services(tmp_path / "guarded")
    guarded.sources.settings = guarded.sources.settings.__class__(guard_untrusted=True)
    source_cog = SourceAdminCog(guarded.sources, owner_ids=[OWNER])
    url = serve_page(httpserver, "/internal", page_html("wall"))

    reply = await add(source_cog, admin(), url)

    assert "is a private or local address (not allowed)" in reply
    assert guarded.sources.list() == []
    owner_reply = await add(source_cog, admin(user=OWNER), url)  # owners are trusted
    assert owner_reply.startswith("Added **`s1`**")


async def test_only_owners_add_global_sources(services, httpserver) -> None:
    source_cog, _ = cogs(services)
    url = serve_page(httpserver, "/ferry", page_html("ferry"))
    assert await add(source_cog, admin(), url, everywhere=True) == GLOBAL_REFUSAL
    reply = await add(source_cog, admin(user=OWNER), url, everywhere=True)
    assert "all servers" in reply
    assert services.sources.list()[0].guild_id == ""


async def test_a_bad_interval_or_url_is_explained(services, httpserver) -> None:
    source_cog, _ = cogs(services)
    assert "too often" in await add(source_cog, admin(), "https://x.test/f", every="5s")
    httpserver.expect_request("/gone").respond_with_data("", status=404)
    reply = await add(source_cog, admin(), httpserver.url_for("/gone"))
    assert "HTTP 404 Not Found" in reply and "Give the kind" in reply
    assert "Only the bot's owners can add files" in await add(source_cog, admin(), "/etc")


async def test_each_server_lists_and_removes_only_what_it_may(services, httpserver) -> None:
    source_cog, _ = cogs(services)
    await add(
        source_cog,
        admin(user=OWNER),
        serve_page(httpserver, "/f", page_html("ferry")),
        everywhere=True,
    )
    await add(source_cog, admin(GUILD_A), serve_page(httpserver, "/g", page_html("glassworks")))
    await add(source_cog, admin(GUILD_B), serve_page(httpserver, "/m", page_html("marathon")))
    await asyncio.to_thread(services.sources.run_all)  # as the bot does: off the event loop

    listing = admin(GUILD_A)
    await SourceAdminCog.list_sources.callback(source_cog, listing)
    [shown] = texts(listing)
    assert "`s1`" in shown and "`s2`" in shown and "`s3`" not in shown
    assert "1 articles" in shown and "all servers" in shown and "this server" in shown
    assert all(allows_no_mentions(c.kwargs["allowed_mentions"]) for c in listing.events.messages())

    for source_id, message in [("s1", "only the bot's owners can remove it"), ("s3", "no source")]:
        refused = admin(GUILD_A)
        await SourceAdminCog.remove.callback(source_cog, refused, source_id)
        assert message in texts(refused)[-1]
    removing = admin(GUILD_A)
    await SourceAdminCog.remove.callback(source_cog, removing, "s2")
    assert texts(removing) == ["Removed `s2` and its 1 article."]
    assert [s.id for s in services.sources.list()] == ["s1", "s3"]

    empty = admin(GUILD_A)
    await SourceAdminCog.remove.callback(source_cog, admin(user=OWNER), "s1")
    await SourceAdminCog.list_sources.callback(source_cog, empty)
    assert texts(empty) == [NO_SOURCES]


async def test_reindex_one_source_shows_progress_and_the_report(services, httpserver) -> None:
    source_cog, admin_cog = cogs(services)
    await add(source_cog, admin(), serve_page(httpserver, "/g", page_html("glassworks")))
    interaction = admin()

    await AdminCog.reindex.callback(admin_cog, interaction, "s1")

    edits = [c.content for c in interaction.events if c.name == "edit_original_response"]
    assert edits[0] == STARTING
    assert edits[-1].startswith("Re-index finished in ")
    assert "added 1 · updated 0 · unchanged 0 · removed 0 · failed 0" in edits[-1]


async def test_a_second_reindex_of_a_running_source_says_since_when(services, httpserver) -> None:
    source_cog, admin_cog = cogs(services)
    await add(source_cog, admin(), serve_page(httpserver, "/g", page_html("glassworks")))
    interaction = admin()
    with services.locks.hold("source-s1"):
        await AdminCog.reindex.callback(admin_cog, interaction, "s1")
    final = [c.content for c in interaction.events if c.name == "edit_original_response"][-1]
    assert final.startswith("A re-index of `s1` is already running (started <t:")
    assert final.endswith(":R>); this one was not started.")


async def test_reindex_everything_runs_this_servers_sources_only(services, httpserver) -> None:
    source_cog, admin_cog = cogs(services)
    await add(source_cog, admin(GUILD_A), serve_page(httpserver, "/g", page_html("glassworks")))
    await add(source_cog, admin(GUILD_B), serve_page(httpserver, "/m", page_html("marathon")))
    interaction = admin(GUILD_A)

    await AdminCog.reindex.callback(admin_cog, interaction, None)

    assert services.sources.get("s1").last_run is not None
    assert services.sources.get("s2").last_run is None  # server B's source was not touched
    final = [c.content for c in interaction.events if c.name == "edit_original_response"][-1]
    assert "added 1 ·" in final


async def test_a_bad_source_is_reported_in_discord_and_on_the_source(services, httpserver) -> None:
    source_cog, admin_cog = cogs(services)
    httpserver.expect_request("/feed").respond_with_data(
        '<?xml version="1.0"?><rss><channel><item><title>cut', content_type="text/xml"
    )
    await add(source_cog, admin(), httpserver.url_for("/feed"), kind="feed")
    interaction = admin()

    await AdminCog.reindex.callback(admin_cog, interaction, "s1")

    report = [c.content for c in interaction.events if c.name == "edit_original_response"][-1]
    assert "failed 1" in report and "invalid feed XML" in report
    listing = admin()
    await SourceAdminCog.list_sources.callback(source_cog, listing)
    assert "⚠ invalid feed XML" in texts(listing)[0]


async def test_autocomplete_offers_the_servers_sources(services, httpserver) -> None:
    source_cog, admin_cog = cogs(services)
    glass = serve_page(httpserver, "/glassworks", page_html("glassworks"))
    await add(source_cog, admin(GUILD_A), glass)
    await add(
        source_cog, admin(GUILD_B), serve_page(httpserver, "/marathon", page_html("marathon"))
    )
    choices = await source_cog._source_choices(admin(GUILD_A), "")
    assert [c.value for c in choices] == ["s1"]
    choices = await admin_cog._source_choices(admin(GUILD_B), "mara")
    assert [c.value for c in choices] == ["s2"]
    assert await admin_cog._source_choices(admin(GUILD_B), "glass") == []


def test_the_report_renders_like_the_plain_reindex() -> None:
    from index.records import IndexReport

    report = IndexReport(added=1, failed=1, problems=["[s2] http://x: HTTP 404 Not Found"])
    assert "HTTP 404 Not Found" in render_report(report)
