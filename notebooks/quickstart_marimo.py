import marimo

__generated_with = "0.25.2"
app = marimo.App()


@app.cell
def _():
    import marimo as mo

    mo.md(
        """
        # labelwidgets quickstart, in marimo

        Label 500 real SMS messages as *ham* or *spam* with the keyboard. Every decision goes into your DataFrame
        and into a SQLite file **before** the widget says *Saved ✓*.

        The data is a sample of the [SMS Spam Collection](https://doi.org/10.24432/C5CC84) (Almeida & Gómez
        Hidalgo, CC BY 4.0) that ships with the package: no network needed. `marimo edit quickstart_marimo.py`
        to label; `marimo run quickstart_marimo.py` serves it as an app (each browser tab its own session).
        """
    )
    return (mo,)


@app.cell
def _():
    import labelwidgets as lw

    df = lw.datasets.sms_spam()  # 500 messages; `gold` is the collection's own label
    return df, lw


@app.cell
def _(mo):
    mo.md(
        """
        ## Label with the keyboard

        The widget takes the keyboard when it appears (its border is blue and *click to label with the keyboard*
        goes away); a click on it takes it back. `1` `2` label, `Space` skips, `z` undoes, `←` `→` move, `Esc`
        hands the keys back to marimo. Re-running any cell is safe: the labeler restores every decision from
        its store and resumes where you stopped.
        """
    )
    return


@app.cell
def _(df, lw):
    labeler = lw.Labeler(
        df,
        text="text",
        labels={"ham": "an ordinary personal message", "spam": "unsolicited advertising, prizes, scams"},
        store="spam-labels.db",  # a SQLite file; store=None keeps labels in memory only
        annotator="you",
        guidelines="Label as spam anything that advertises, promises a prize or asks you to call/text a number.",
    )
    labeler
    return (labeler,)


@app.cell
def _(mo):
    mo.md(
        """
        ## Your labels, live

        marimo re-runs a cell when a value it reads changes, and does not see changes made in place to a
        DataFrame. `labeler.results` is the rows decided so far as a marimo state: bound to a name, every cell
        that calls it runs again as each label lands.
        """
    )
    return


@app.cell
def _(labeler):
    results = labeler.results
    return (results,)


@app.cell
def _(results):
    results()[["text", "label", "decision", "decided_at"]]
    return


@app.cell
def _(mo):
    mo.md(
        """
        ## The same actions from Python

        Buttons, keys and these methods take the same path. Here on a memory-only labeler over five messages:
        """
    )
    return


@app.cell
def _(lw):
    demo = lw.datasets.sms_spam().head(5)
    scripted = lw.Labeler(demo, text="text", labels=["ham", "spam"], store=None, annotator="script")
    scripted.label("spam")
    scripted.label("ham")
    scripted.skip()
    scripted.undo()  # undo is an event in the log, never a deletion
    scripted.label("ham")
    scripted.decisions[["key", "action", "label", "undoes"]]  # the append-only event log
    return


@app.cell
def _(mo):
    mo.md(
        """
        ## How far do you agree with a model?

        Here the "model" is a keyword rule in a column, so the notebook stays offline and quick;
        `lw.LocalLLM()` (the bundled model, the `local` extra) or `lw.LLM("gpt-4o-mini")` suggest the same
        way. `Enter` accepts a suggestion, `x` rejects it, a number corrects it, and the Dashboard follows live.
        """
    )
    return


@app.cell
def _(df, lw):
    rule = df["text"].str.contains(r"free|win|prize|call|txt|claim", case=False)
    guessed = df.drop(columns="gold").assign(guess=rule.map({True: "spam", False: "ham"}))
    assisted = lw.Labeler(
        guessed,
        text="text",
        labels=["ham", "spam"],
        suggester=lw.FromColumn("guess"),
        store="spam-labels-assisted.db",
        annotator="you",
    )
    assisted
    return (assisted,)


@app.cell
def _(assisted, lw):
    lw.Dashboard(assisted)
    return


@app.cell
def _(labeler):
    labeler.stats
    return


if __name__ == "__main__":
    app.run()
