"""One copy per story: same canonical URL, near-identical text (a wire story printed by two
outlets), or an id another source owns. Checked through the real catalog, Chroma and search."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from support_web import (
    STORIES,
    local_server,
    page_html,
    rss,
    serve_feed,
    serve_page,
    source_services,
)

from index.dedupe import sentence_hashes, similar

WIRE_QUESTION = "When will the coastal railway line between Saltmere and Gullholm reopen?"


@pytest.fixture
def httpserver() -> HTTPServer:
    """A real HTTP server on 127.0.0.1 (threaded), fresh for each test."""
    return local_server()


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return path


def record(n: int, url: str, body: str, title: str = "A story") -> dict:
    return {"id": f"x{n}", "title": title, "date": "2024-04-01", "url": url, "body": body}


def test_a_wire_story_from_two_outlets_is_stored_and_cited_once(
    tmp_path, httpserver: HTTPServer
) -> None:
    wire = STORIES["wire"][1]
    courier = serve_page(httpserver, "/courier/rail", page_html("wire", intro="SALTMERE —"))
    gazette = serve_page(
        httpserver,
        "/gazette/storm-rail",
        page_html(
            "wire",
            title="Rail line shut after storm",
            # Another outlet's version: its own opening line, the wire text, its own sign-off.
            paragraphs=[
                "Commuters faced a difficult start to the week after the weekend storm.",
                *wire,
                "Reporting by the Gullholm Gazette news desk with agency material.",
            ],
        ),
    )
    services = source_services(tmp_path, today=date(2024, 6, 1))
    first = services.sources.add(courier)
    second = services.sources.add(gazette)

    report = services.sources.run_all()

    assert (report.added, report.unchanged) == (1, 1)
    assert services.sources.get(first.id).article_count == 1
    assert services.sources.get(second.id).article_count == 0
    answer = services.newsdesk.ask(WIRE_QUESTION)
    assert len({c.article_id for c in answer.citations}) == 1
    assert len({r.article_id for r in answer.results}) == len(answer.results)


def test_the_same_canonical_url_is_stored_once(tmp_path) -> None:
    body = " ".join(STORIES["ferry"][1])
    url = "https://courier.example/news/ferry"
    feed_copy = write_jsonl(tmp_path / "a.jsonl", [record(1, url + "?utm_source=feed", body)])
    other_id = write_jsonl(tmp_path / "b.jsonl", [record(2, url + "/", body + " Updated.")])
    services = source_services(tmp_path)
    a = services.sources.add(str(feed_copy))
    b = services.sources.add(str(other_id))

    report = services.sources.run_all()

    assert (report.added, report.unchanged) == (1, 1)
    assert services.sources.catalog.article_ids_for_source(a.id) == ["x1"]
    assert services.sources.catalog.article_ids_for_source(b.id) == []


def test_duplicates_within_one_run_are_dropped(tmp_path) -> None:
    body = " ".join(STORIES["glassworks"][1])
    path = write_jsonl(
        tmp_path / "a.jsonl",
        [
            record(1, "https://one.example/glass", body),
            record(2, "https://two.example/glass", "Local report. " + body),
            record(3, "https://three.example/race", " ".join(STORIES["marathon"][1])),
        ],
    )
    services = source_services(tmp_path)
    source = services.sources.add(str(path))
    report = services.sources.run(source.id)
    assert (report.added, report.unchanged) == (2, 1)
    assert sorted(services.catalog.article_ids_for_source(source.id)) == ["x1", "x3"]


def test_different_stories_sharing_a_line_are_kept_apart(tmp_path) -> None:
    boilerplate = "Sign up for our morning newsletter to get the local headlines every day."
    stories = [" ".join(STORIES[k][1]) + " " + boilerplate for k in ("wall", "ferry", "marathon")]
    path = write_jsonl(
        tmp_path / "a.jsonl",
        [record(n, f"https://courier.example/{n}", body) for n, body in enumerate(stories)],
    )
    services = source_services(tmp_path)
    source = services.sources.add(str(path))
    assert services.sources.run(source.id).added == 3


def test_an_id_owned_by_another_source_is_left_to_its_owner(tmp_path) -> None:
    body = " ".join(STORIES["wall"][1])
    owner_file = write_jsonl(tmp_path / "a.jsonl", [record(1, "", body, title="Wall vote")])
    rival_file = write_jsonl(
        tmp_path / "b.jsonl", [record(1, "", body + " A late addition.", title="Other title")]
    )
    services = source_services(tmp_path)
    owner = services.sources.add(str(owner_file))
    rival = services.sources.add(str(rival_file))
    services.sources.run(owner.id)

    report = services.sources.run(rival.id)

    assert (report.updated, report.unchanged) == (0, 1)
    assert services.catalog.article("x1").title == "Wall vote"
    assert services.catalog.article_ids_for_source(owner.id) == ["x1"]
    # Once the owner is removed, the other source brings the story back on its next run.
    services.sources.remove(owner.id)
    assert services.sources.run(rival.id).added == 1
    assert services.catalog.article("x1").title == "Other title"


def test_fingerprints_follow_the_catalog_after_a_crash(tmp_path) -> None:
    body = " ".join(STORIES["marathon"][1])
    services = source_services(tmp_path)
    first = services.sources.add(str(write_jsonl(tmp_path / "a.jsonl", [record(1, "", body)])))
    services.sources.run(first.id)
    fingerprints = services.indexer.dedupe.fingerprints
    fingerprints._db.execute("DELETE FROM fp_anchors")  # as if lost in a crash
    fingerprints._db.execute("DELETE FROM fp_articles")
    later = services.sources.add(
        str(write_jsonl(tmp_path / "b.jsonl", [record(2, "", "Race news. " + body)]))
    )
    assert services.sources.run(later.id).unchanged == 1  # rebuilt, so still recognised


def test_similarity_needs_most_sentences_in_common() -> None:
    wire = sentence_hashes(" ".join(STORIES["wire"][1]))
    edited = sentence_hashes("Our own first line sits here today. " + " ".join(STORIES["wire"][1]))
    half = sentence_hashes(" ".join(STORIES["wire"][1][:2] + STORIES["wall"][1][:2]))
    assert similar(wire, edited)
    assert not similar(wire, half)
    assert not similar(sentence_hashes("Too short."), sentence_hashes("Too short."))


def test_a_feed_and_a_page_carrying_one_story_store_it_once(
    tmp_path, httpserver: HTTPServer
) -> None:
    page = serve_page(httpserver, "/ferry", page_html("ferry"))
    feed = serve_feed(
        httpserver,
        "/feed",
        rss([{"title": "Ferry", "link": page + "?utm_medium=rss", "date": "Tue, 02 Apr 2024"}]),
    )
    services = source_services(tmp_path)
    services.sources.add(page)
    services.sources.add(feed, kind="feed")
    report = services.sources.run_all()
    assert (report.added, report.unchanged) == (1, 1)
    assert services.library.stats().articles == 1


def test_identical_text_a_month_apart_is_not_one_story(tmp_path) -> None:
    """A site's boilerplate scraped as the body of two different articles is not a wire copy."""
    notice = " ".join(STORIES["ferry"][1])
    early = record(1, "https://weekly.example/a", notice, title="Opinion: the tides")
    late = {**record(2, "https://weekly.example/b", notice, title="Opinion: the ferries")}
    late["date"] = "2024-05-15"
    path = write_jsonl(tmp_path / "a.jsonl", [early, late])
    services = source_services(tmp_path)
    source = services.sources.add(str(path))
    assert services.sources.run(source.id).added == 2
