"""``wording.fit_lines``: whole lines packed into texts of a platform's size, "…and N more" when they run out."""

from bot import wording


def test_lines_that_fit_are_packed_whole_into_at_most_the_parts_given():
    lines = [f"line {i:02d}" for i in range(10)]  # 7 characters each
    assert wording.fit_lines(lines, 100, "there") == ["\n".join(lines)]
    assert wording.fit_lines(lines, 15, "there", parts=5) == ["\n".join(lines[i : i + 2]) for i in range(0, 10, 2)]
    assert wording.fit_lines([], 15, "there") == []


def test_lines_that_do_not_fit_end_with_how_many_more_and_where():
    lines = [f"line {i:02d}" for i in range(10)]
    texts = wording.fit_lines(lines, 30, "See all.", parts=2)
    assert len(texts) == 2 and all(len(t) <= 30 for t in texts)
    shown = [line for t in texts for line in t.split("\n")[: None if t is not texts[-1] else -1]]
    assert shown == lines[: len(shown)] and texts[-1].split("\n")[-1] == wording.and_more(10 - len(shown), "See all.")
    assert wording.fit_lines(["x" * 50], 20, "") == ["x" * 19 + "…"]  # one line longer than the limit alone
