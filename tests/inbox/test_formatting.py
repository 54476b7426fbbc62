"""How staff pages word answers written in Markdown for the widget."""

from inbox.formatting import unmarked


def test_bold_markers_go_and_links_keep_their_address():
    text = "It can reduce fertility in **both women and men**; about **70%** got periods back."
    assert unmarked(text) == (
        "It can reduce fertility in both women and men; about 70% got periods back."
    )
    link = "See [the MS Society](https://www.mssociety.org.uk/hsct) for more."
    assert unmarked(link) == "See the MS Society (https://www.mssociety.org.uk/hsct) for more."


def test_plain_text_and_lone_markers_are_left_as_they_are():
    assert unmarked("2 * 3 = 6, and a lone ** stays") == "2 * 3 = 6, and a lone ** stays"
    assert unmarked(None) == "" and unmarked("") == ""
