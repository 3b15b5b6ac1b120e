"""ask --batch and eval refuse bad question files and bad --out paths in one line, before
anything is written."""

from __future__ import annotations

import json

import pytest
from support import cli_using, invoke_cli, make_services

from bot.core.models import Answer

ONE_QUESTION = (
    json.dumps(
        {
            "question": "who won?",
            "question_date": "2024-07-26",
            "answer": "x",
            "gold_doc_ids": ["a"],
        }
    )
    + "\n"
)


class FakeNewsdesk:
    """Answers every question the same way (these tests are about files, not answers)."""

    def ask(self, question: str, **kwargs) -> Answer:
        return Answer(text=f"answer to {question}", refused=False)


@pytest.fixture
def cli(tmp_path, monkeypatch):
    services = make_services(tmp_path)
    monkeypatch.setattr(services, "newsdesk", FakeNewsdesk())
    with cli_using(services):
        yield services


def one_error_line(result) -> str:
    """The single ``error: …`` line the command printed (exit code 2, no traceback)."""
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


@pytest.mark.parametrize("question", [42, ["who", "won"], {"text": "who won?"}, True])
def test_a_question_that_is_not_text_names_the_file_line_and_field(cli, tmp_path, question):
    questions = tmp_path / "q.jsonl"
    lines = [{"question": "who won?"}, {"qid": "b", "question": question}]
    questions.write_text("\n".join(json.dumps(r) for r in lines) + "\n", encoding="utf-8")
    out = tmp_path / "o.jsonl"

    result = invoke_cli("ask", "--batch", str(questions), "--out", str(out))

    assert one_error_line(result) == f"error: {questions}:2: field 'question' must be text"
    assert not out.exists()


def test_out_being_the_questions_file_is_refused_and_the_file_kept(cli, tmp_path):
    questions = tmp_path / "q.jsonl"
    questions.write_text(ONE_QUESTION, encoding="utf-8")
    (tmp_path / "link.jsonl").hardlink_to(questions)
    same = [questions, tmp_path / "not-yet" / ".." / "q.jsonl", tmp_path / "link.jsonl"]

    for command in (["ask", "--batch"], ["eval"]):
        for out in same:
            result = invoke_cli(*command, str(questions), "--out", str(out))
            assert "is the questions file" in one_error_line(result)
            assert questions.read_text(encoding="utf-8") == ONE_QUESTION
    assert not (tmp_path / "not-yet").exists()


def test_out_being_a_folder_is_one_line(cli, tmp_path):
    questions = tmp_path / "q.jsonl"
    questions.write_text(ONE_QUESTION, encoding="utf-8")

    for command in (["ask", "--batch"], ["eval"]):
        result = invoke_cli(*command, str(questions), "--out", str(tmp_path))
        assert one_error_line(result) == f"error: --out {tmp_path} is a folder; give a file name."


@pytest.mark.parametrize("command", [["ask", "--batch"], ["eval"]])
def test_a_questions_file_that_is_not_utf8_names_the_file_and_line(cli, tmp_path, command):
    questions = tmp_path / "q.jsonl"
    questions.write_bytes(b'{"question": "who won?"}\n{"question": "caf\xe9?"}\n')

    result = invoke_cli(*command, str(questions), "--out", str(tmp_path / "o.jsonl"))

    assert one_error_line(result) == f"error: {questions}:2: not UTF-8 text"
    assert not (tmp_path / "o.jsonl").exists()


def test_a_byte_order_mark_is_not_part_of_the_first_question(cli, tmp_path):
    questions = tmp_path / "q.jsonl"
    questions.write_bytes('\ufeff{"qid": "a", "question": "who won?"}\n'.encode())
    out = tmp_path / "o.jsonl"

    result = invoke_cli("ask", "--batch", str(questions), "--out", str(out))

    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text(encoding="utf-8"))["qid"] == "a"


def test_an_as_of_field_that_is_not_a_date_names_the_line(cli, tmp_path):
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        '{"question": "who won?", "asked": "2024-07-01"}\n'
        '{"question": "who?", "asked": 20240701}\n',
        encoding="utf-8",
    )
    result = invoke_cli(
        "ask", "--batch", str(questions), "--as-of-field", "asked", "--out", str(tmp_path / "o")
    )
    expected = f"error: {questions}:2: field 'asked' is not a date: 20240701"
    assert one_error_line(result) == expected
