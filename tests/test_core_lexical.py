"""Names a question requires of its sources."""

from bot.core.lexical import question_names


def test_names_and_years_are_required():
    assert question_names("Who is the ambassador to Mongolia since 1966?") == ["mongolia", "1966"]


def test_home_countries_and_dates_are_not_required():
    assert question_names("Which movie topped the US box office on Sunday?") == []
    assert question_names("Who is the UK envoy to Mongolia?") == ["mongolia"]
