"""`lw.Team`: several people labeling one DataFrame into one shared store, with overlap, agreement and gold."""

from __future__ import annotations

import os
import uuid
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from labelwidgets import frames
from labelwidgets.errors import InputError, NotAllowed, public
from labelwidgets.keys import encode_key
from labelwidgets.labels import label_set_for
from labelwidgets.store import Store, open_store
from labelwidgets.team.answers import TeamAnswers, answers_for
from labelwidgets.team.decisions import in_force, ratings
from labelwidgets.widgets.display import view_for

if TYPE_CHECKING:
    from labelwidgets.kinds import AnswerKind
    from labelwidgets.labeler import Labeler
    from labelwidgets.store.roles import Access
    from labelwidgets.suggesters.base import Suggester
    from labelwidgets.team.queue import TeamQueue

ADJUDICATOR_ROLE = "adjudicator"
#: With ``show_others=True``, the column of a member's items that shows what the others said.
OTHERS_COLUMN = "others said"
#: The adjudicator's columns: the answer pre-selected on each item, and why (each member's answer).
PRESELECTED_COLUMN = "pre-selected"
WHY_COLUMN = "team said"
#: Over-assigned items named in the error of `Team.assign`; the count says how many there are in all.
SHOWN_EXAMPLES = 5


@dataclass(frozen=True)
class TeamSnapshot:
    """What a view of a `Team` shows, read at one moment (`Team.snapshot`)."""

    version: int  # the store's latest event id, read first: a view redraws when it moves past this
    agreement: pd.DataFrame  # `Team.agreement(by_label=True)`
    progress: pd.DataFrame  # `Team.progress()`
    n_items: int
    overlap: int
    pair_metric: str  # the row of `agreement` to show for each pair of people
    pair_title: str
    overall: tuple[tuple[str, str], ...]  # the team-wide rows of `agreement` to name: (metric, name)
    label_metric: str  # the team-wide row of `agreement` to show for each label
    label_title: str


class Team:
    """Several annotators, each in their own kernel or on their own machine, labeling one set of items.

    >>> team = lw.Team("postgresql://labels@db.internal/project", df, text="text", labels=[...], overlap=2)
    >>> labeler = team.labeler(annotator="ana")   # a Labeler whose queue follows the team's assignment
    >>> team.agreement()                          # agreement between people, as decisions arrive
    >>> team.conflicts, team.gold                 # where people disagree; the settled labels

    ``store`` is any SQLAlchemy URL (PostgreSQL for people on several machines; a SQLite file for one machine)
    or a path. Every member opens the team with the same DataFrame (the same item keys), labels and
    ``overlap``: each item gets labels from ``overlap`` different people. An item is offered to someone only
    while fewer than ``overlap`` others have labeled it or hold a claim on it (taken when the item is about to
    be shown; it runs out after ``claim_ttl`` seconds). Two people may still label one item at the very same
    moment (both claimed it before either claim was stored), so an item can end with ``overlap + 1`` labels:
    never fewer than asked. ``calibration`` puts a seeded share of the items, first, in front of everyone.
    Annotators do not see each other's labels while labeling (blind), unless ``show_others=True``: then each item
    shows the labels others gave it so far (``OTHERS_COLUMN``), and the choice is recorded in the store with each
    member's session.

    ``key`` names the column of stable item keys (default: the index). ``poll`` is how often (seconds) a
    member's labeler and the team's views read what the others did.

    ``kind="multi"``: each member answers with a set of labels (``[]``, none of these, is an answer and takes the
    item as any other). Conflicts are items where members' sets differ; the gold set holds each label more than
    half of the item's members chose (a label exactly half chose leaves the item unresolved, and ``gold`` says
    which); agreement is Krippendorff's alpha with the MASI distance, and per label alpha and kappa.

    ``kind="spans"``: each member marks spans of the item's text (``[]``, no spans, is an answer and takes the item).
    Decisions, conflicts and gold show each span with its text (from the ``text`` column); conflicts name the spans
    that differ and who marked them; the gold spans are those more than half of the item's members marked exactly
    (a span exactly half marked leaves the item unresolved, and ``tied`` says which); agreement is each pair's strict
    and partial span F1 and their mean over pairs (`labelwidgets.metrics.team_spans`).
    """

    @public
    def __init__(
        self,
        store: str | os.PathLike[str] | Store,
        df: frames.Frame,
        *,
        text: str = "text",
        labels: Iterable[str] | Mapping[str, str] | None = None,
        kind: str | AnswerKind = "single",
        prompt: str | None = None,
        outputs: Sequence[str] | None = None,
        key: str | None = None,
        overlap: int = 2,
        calibration: float = 0.0,
        seed: int = 0,
        claim_ttl: float = 600.0,
        poll: float = 2.0,
        guidelines: str | None = None,
        show: Sequence[str] = (),
        show_others: bool = False,
    ):
        df, given = frames.intake(df, text=[prompt or text, *(outputs or ())], of="of items")  # pandas inside
        self._given = given
        if store is None:
            raise InputError("a Team needs a shared store: a database URL (postgresql://…) or a SQLite file path.")
        if isinstance(overlap, bool) or not isinstance(overlap, int) or overlap < 1:
            raise InputError(f"overlap={overlap!r} must be a whole number of annotators per item, 1 or more.")
        if not 0.0 <= float(calibration) < 1.0:
            raise InputError(f"calibration={calibration!r} must be a share of items in [0, 1), for example 0.1.")
        if not float(poll) > 0 or not float(claim_ttl) > 0:
            raise InputError("poll and claim_ttl must be positive numbers of seconds.")
        text = text if prompt is None else prompt  # a pair's prompt is the text shown above its outputs
        if text not in df.columns:
            raise InputError(f"the DataFrame has no column {text!r} (text=); its columns are {list(df.columns)}.")
        self.df = df
        self.text = text
        self.labels = label_set_for(labels, kind, outputs)
        missing = [c for c in self.labels.kind.item_columns if c not in df.columns]
        if missing:
            raise InputError(
                f"outputs= names columns that do not exist: {missing}; the columns are {list(df.columns)}."
            )
        #: What this team computes differently for its kind of answer.
        self.answers: TeamAnswers = answers_for(self.labels.kind)
        self.key = key
        self.overlap = overlap
        self.calibration = float(calibration)
        self.seed = seed
        self.claim_ttl = float(claim_ttl)
        self.poll = float(poll)
        self.guidelines = guidelines
        self.show = list(show)
        self.show_others = bool(show_others)
        keys = self._item_keys()
        if not keys.is_unique:
            raise InputError(
                f"item keys must be unique ({'column ' + repr(key) if key else 'the index'} has duplicates): "
                "every member must name each item the same way."
            )
        self._keys = np.array([encode_key(k) for k in keys.tolist()], dtype=object)
        self.store = open_store(store)
        self.store.check_labels(self.labels.names, kind=self.labels.kind.name)
        rng = np.random.default_rng(seed)
        n = len(df)
        self.calibration_rows = np.zeros(n, dtype=bool)
        if self.calibration and n:
            self.calibration_rows[rng.choice(n, size=max(1, round(self.calibration * n)), replace=False)] = True
        # calibration items first, in the DataFrame's order; then the rest
        self.order = np.concatenate([np.flatnonzero(self.calibration_rows), np.flatnonzero(~self.calibration_rows)])
        #: Each person's URL when this team was made with `create` (its owner's Team): see `Team.create`.
        self.access: Access | None = None
        self._labelers: dict[str, Labeler] = {}
        self._queues: dict[str, TeamQueue] = {}  # the queue of each labeler opened here, which this team made

    # ----- a store that enforces the team's rules ------------------------------------------------------
    @classmethod
    @public
    def create(
        cls,
        admin_url: str,
        df: frames.Frame,
        *,
        members: Iterable[str] | Mapping[str, str],
        adjudicators: Iterable[str] | Mapping[str, str] = (),
        labels: Iterable[str] | Mapping[str, str] | None = None,
        show_others: bool = False,
        **options: Any,
    ) -> Team:
        """A team on a PostgreSQL store that enforces its rules for every member's connection, whatever client
        they use (`labelwidgets.store.roles`): decisions only under one's own name and never changed or deleted,
        each member reads only their own (``show_others=True``: also the others' on items they answered), only
        ``adjudicators`` adjudicate, only the owner (``admin_url``'s login) changes labels, members or assignments.

        ``members`` and ``adjudicators`` are names (passwords generated) or names -> passwords. Returns the owner's
        Team; ``team.access`` holds each person's URL (``team.access.url("ana")``), handed back this once: give
        each person theirs, who opens ``lw.Team(url, df, ...)`` and ``team.labeler("ana")``. ``options`` are
        `Team`'s. ``admin_url``'s login needs CREATEROLE and the right to create tables in the database.
        """
        from labelwidgets.store.roles import ADJUDICATOR, MEMBER, create_enforced, people_from

        people = people_from(members, MEMBER, "members") + people_from(adjudicators, ADJUDICATOR, "adjudicators")
        if not isinstance(admin_url, str) or not admin_url.startswith("postgresql"):
            raise InputError(
                "Team.create() sets up a PostgreSQL store that enforces its rules: give the owner's URL, "
                f"postgresql+psycopg://owner@host/db, not {admin_url!r}. A SQLite file enforces nothing: use lw.Team."
            )
        team = cls(admin_url, df, labels=labels, show_others=show_others, **options)  # input checked, tables made
        try:
            team.access = create_enforced(
                team.store,  # type: ignore[arg-type]
                people,
                kind="team",
                show_others=show_others,
            )
        except BaseException:
            team.close()
            team.store.close()
            raise
        return team

    @public
    def remove(self, member: str) -> None:
        """Stop ``member``'s login to this created store (open connections too); their decisions stay."""
        from labelwidgets.store.enforced import EnforcedStore
        from labelwidgets.store.roles import remove_member
        from labelwidgets.store.sql import SQLStore

        if isinstance(self.store, EnforcedStore):
            raise NotAllowed(f"only the store's owner removes members; this team is opened as {self.store.me!r}.")
        if not isinstance(self.store, SQLStore) or self.store.engine.dialect.name != "postgresql":
            raise InputError("remove() is for a store made with Team.create(); this store has no logins to stop.")
        remove_member(self.store, member)

    # ----- members --------------------------------------------------------------------------------------
    @public
    def labeler(self, annotator: str, *, suggester: Suggester | None = None, **options: Any) -> Labeler:
        """A Labeler for ``annotator`` whose queue follows the team: calibration items, then the items assigned
        to them, then items fewer than ``overlap`` others have taken. ``labeler.df`` is their own copy of the
        items with their results; the team's view of everyone is `decisions`."""
        from labelwidgets.team.queue import TeamQueue

        if not isinstance(annotator, str) or not annotator.strip():
            raise InputError("a team member needs a name: team.labeler(annotator='ana').")
        if annotator in self.adjudicators:
            raise InputError(f"{annotator!r} adjudicates in this team; label under another name.")
        _check_login(self.store, annotator)
        old = self._labelers.pop(annotator, None)
        if old is not None:
            old.close()
        with warnings.catch_warnings():
            # "the store holds decisions by others but none by <annotator>" is the point of a team, not a slip
            warnings.filterwarnings("ignore", message=r".*decisions are kept per annotator", category=UserWarning)
            labeler = self._make_labeler(annotator, suggester, options)
        self.store.record_session(
            {"session_id": f"member-{uuid.uuid4().hex}", "annotator": annotator, "role": "member",
             "overlap": self.overlap, "calibration": self.calibration, "show_others": self.show_others}
        )  # fmt: skip
        queue = TeamQueue(self, labeler.session, annotator)
        labeler.session.attach_queue(queue)
        self._labelers[annotator] = labeler
        self._queues[annotator] = queue
        return labeler

    def _make_labeler(self, annotator: str, suggester: Suggester | None, options: dict[str, Any]) -> Labeler:
        from labelwidgets.labeler import Labeler

        items = self.df.copy()
        if self.show_others:
            items[OTHERS_COLUMN] = pd.Series(pd.NA, index=items.index, dtype="string[python]")
        return Labeler(
            self._given.back(items),  # of the kind the team was given: a polars team's members read polars
            text=self.text,
            labels=self._label_spec(),
            kind=self.labels.kind,  # the kind itself: its options (spans: overlap, alignment) carry over
            key=self.key,
            store=self.store,
            annotator=annotator,
            suggester=suggester,
            show=[*self.show, OTHERS_COLUMN] if self.show_others else self.show,
            guidelines=self.guidelines,
            order=self.order.tolist(),
            hide=[OTHERS_COLUMN] if self.show_others else [],
            **options,
        )

    @public
    def assign(self, assignment: Mapping[str, Iterable[Any]]) -> None:
        """Give items to people explicitly: ``{"ana": keys_a, "ben": keys_b}`` (item keys as in the DataFrame).
        An item assigned only to others is not offered to anyone else; unassigned items stay open to all.
        Assignments add up: an earlier ``assign()`` stays in the store.

        An item may be assigned to at most ``overlap`` people (calibration items, which everyone labels, to any
        number). More is refused with an ``InputError`` before anything is stored, rather than carried out in part:
        an item is closed once ``overlap`` people labeled it, so the people after them would never be offered the
        item they were given, and nobody would be told.
        """
        known = set(self._keys.tolist())
        stored: dict[str, list[str]] = {}
        for annotator, keys in assignment.items():
            keys = list(keys)
            encoded = [encode_key(k) for k in keys]
            missing = [k for k, e in zip(keys, encoded, strict=True) if e not in known]
            if missing:
                raise InputError(
                    f"assign(): {len(missing)} key(s) for {annotator!r} are not items, e.g. {missing[:3]}."
                )
            stored[str(annotator)] = encoded
        self._refuse_over_assignment(stored)
        self.store.assign(stored)
        self.refresh()

    def _refuse_over_assignment(self, new: Mapping[str, Iterable[str]]) -> None:
        """``InputError`` when, with the assignments already stored, an item would go to more than ``overlap``."""
        people: dict[str, set[str]] = {}
        for assignment in (self.store.assignments(), new):
            for annotator, keys in assignment.items():
                for key in keys:
                    people.setdefault(key, set()).add(annotator)
        everyone = set(self._keys[self.calibration_rows].tolist())
        over = [key for key, who in people.items() if len(who) > self.overlap and key not in everyone]
        if not over:
            return
        original = dict(zip(self._keys.tolist(), self._item_keys().tolist(), strict=True))
        examples = ", ".join(f"{original[key]!r} to {sorted(people[key])}" for key in over[:SHOWN_EXAMPLES])
        more = f" and {len(over) - SHOWN_EXAMPLES} more" if len(over) > SHOWN_EXAMPLES else ""
        raise InputError(
            f"assign(): {len(over)} item(s) would go to more than overlap={self.overlap} people ({examples}{more}"
            "; earlier assignments count too). An item is closed once overlap people labeled it, so the others "
            f"would never see it. Assign each item to at most {self.overlap} people, or open the team with a larger "
            "overlap=."
        )

    def refresh(self) -> None:
        """Have each member's labeler opened here read the store now (others' labels, claims, assignments), rather
        than at its next poll."""
        for queue in self._queues.values():
            queue.refresh()

    def _item_keys(self) -> pd.Series:
        return self.df[self.key] if self.key is not None else self.df.index.to_series()

    @property
    def adjudicators(self) -> set[str]:
        """Names that settle conflicts; their decisions are gold, not ratings."""
        return {
            str(info.get("annotator"))
            for info in self.store.sessions()
            if info.get("role") == ADJUDICATOR_ROLE and info.get("annotator")
        }

    # ----- what the team did ------------------------------------------------------------------------------
    # Each table comes back in the kind of frame the team was given (polars for polars); the team itself and the
    # package read the pandas one (`decisions_pandas`, `gold_pandas`, ...).
    @property
    def decisions(self) -> Any:
        """One row per item and annotator (the decision in force): key, annotator, label, action, note,
        suggestion, decided_at. Adjudicators are left out (see `gold`); keys are the DataFrame's own; with
        ``kind="multi"`` each label is a list of labels (``[]``: none of these; None: no answer); with
        ``kind="spans"`` a list of spans, each ``{"start", "end", "label", "text"}`` (``[]``: no spans).
        Of the kind of frame the team was given (polars for polars)."""
        return self._given.back(self.decisions_pandas())

    def decisions_pandas(self) -> pd.DataFrame:
        """`decisions` as pandas: what the team and the package read."""
        frame = self._in_force()
        texts = self._texts_of(frame["key"])
        frame["label"] = self.answers.shown(frame["label"], self.labels, texts=texts)
        frame["suggestion"] = self.answers.shown(frame["suggestion"], self.labels, texts=texts)
        return frame

    def _texts_of(self, keys: pd.Series) -> list[Any] | None:
        """The texts of the items ``keys`` names (the DataFrame's own keys), for kinds whose answers are about the
        text (spans are shown with it); None for the others, which never read it."""
        if not self.labels.kind.about_text:
            return None
        texts = self.df[self.text].tolist()
        position = {k: i for i, k in enumerate(self._item_keys().tolist())}
        return [texts[position[k]] if k in position else None for k in keys.tolist()]

    def _in_force(self) -> pd.DataFrame:
        """The members' decisions in force with their answers as stored (adjudicators left out), keys decoded."""
        return self._decode(in_force(self.store.events_frame(), exclude=self.adjudicators))

    @property
    def conflicts(self) -> Any:
        """Items with at least two labels that are not unanimous, with each person's label and the majority."""
        return self._given.back(self.answers.conflicts(self._ratings(), self.labels))

    @property
    def gold(self) -> Any:
        """One answer per item with at least two: unanimous, majority, adjudicated or unresolved (column ``how``);
        with ``kind="multi"`` the gold set holds each label more than half chose, and ``tied`` names the labels
        exactly half chose, which leave an item unresolved; with ``kind="spans"`` likewise each span more than half
        marked exactly (`labelwidgets.metrics.team_spans.resolve_span_gold`).
        Of the kind of frame the team was given (polars for polars)."""
        return self._given.back(self.gold_pandas())

    def gold_pandas(self) -> pd.DataFrame:
        """`gold` as pandas: what the team and the package read."""
        adjudicators = self.adjudicators
        events = self.store.events_frame()
        settled = in_force(events[events["annotator"].isin(list(adjudicators))]) if adjudicators else None
        adjudications = None
        if settled is not None and len(settled):
            settled = self._decode(settled)
            kept = settled[settled["label"].notna()].copy()
            kept["label"] = self.answers.shown(kept["label"], self.labels, texts=self._texts_of(kept["key"]))
            adjudications = kept[["key", "label", "annotator"]].rename(columns={"annotator": "adjudicator"})
        return self.answers.gold(self._ratings(), adjudications, self.labels)

    def with_gold(self) -> Any:
        """The items with their gold label (``gold``) and how it was decided (``gold_how``), for `lw.compare`
        (``human="gold"``) and anything else that needs the team's answer; items without one are missing.
        Of the kind of frame the team was given (polars for polars)."""
        return self._given.back(self.with_gold_pandas())

    def with_gold_pandas(self) -> pd.DataFrame:
        """`with_gold` as pandas: what the team and the package read."""
        gold = self.gold_pandas().set_index("key")
        keys = self._item_keys()
        out = self.df.copy()
        out["gold"] = keys.map(gold["label"]).to_numpy()
        out["gold_how"] = keys.map(gold["how"]).to_numpy()
        return out

    @public
    def agreement(self, *, by_label: bool = False, **options: Any) -> Any:
        """Agreement between people (Krippendorff's alpha, Fleiss' kappa, pairwise Cohen's kappa, each person
        against the majority of the others, percent agreement), with intervals and the items behind each. With
        ``kind="multi"``: Krippendorff's alpha with MASI, each pair's mean Jaccard and share of identical sets, and
        per label (``by_label=True``) alpha, Fleiss' kappa and each pair's Cohen's kappa. With ``kind="spans"``: each
        pair's strict and partial span F1 and their mean over pairs, with bootstrap intervals over items, and the
        same per label (`labelwidgets.metrics.team_spans.span_team_agreement`).
        Of the kind of frame the team was given (polars for polars)."""
        return self._given.back(self._agreement(by_label=by_label, **options))

    def _agreement(self, *, by_label: bool = False, **options: Any) -> pd.DataFrame:
        """`agreement` as pandas: what the team and the package read."""
        return self.answers.agreement(self._ratings(), self.labels, by_label=by_label, **options)

    def _label_spec(self) -> dict[str, str]:
        return {label.name: label.description for label in self.labels}

    def _ratings(self) -> pd.DataFrame:
        return ratings(self.decisions_pandas())[["key", "annotator", "label"]].reset_index(drop=True)

    def _decode(self, frame: pd.DataFrame) -> pd.DataFrame:
        from labelwidgets.keys import decode_key

        frame = frame.copy()
        frame["key"] = [decode_key(k) for k in frame["key"]]
        return frame

    def progress(self) -> Any:
        """Per annotator: items labeled, skipped, and in all; plus a row for the team (items with overlap labels).
        Of the kind of frame the team was given (polars: the annotators as its first column)."""
        return self._given.back(self._progress())

    def _progress(self) -> pd.DataFrame:
        """`progress` as pandas: what the team and the package read."""
        decisions = self._in_force()
        labeled = ratings(decisions).groupby("annotator").size()
        decided = decisions.groupby("annotator").size()
        out = pd.DataFrame({"labeled": labeled, "decided": decided}).fillna(0).astype(int)
        per_item = ratings(decisions).groupby("key")["annotator"].nunique()
        out.loc["(team: items complete)"] = [int((per_item >= self.overlap).sum()), len(per_item)]
        return out

    @public
    def adjudicator(self, name: str = "adjudicator", *, items: str = "conflicts", **options: Any) -> Labeler:
        """A labeler that steps through the conflicts (or ``items="all"`` multiply-labeled items): the text, each
        person's answer and note, and an answer pre-selected (Enter keeps it, a number key picks another): the
        majority; on a tie the answer said first, and the item stays unresolved in `gold` until the adjudicator
        decides. With ``kind="multi"`` the labels more than half chose are pre-selected (number keys toggle, Enter
        commits); with ``kind="spans"`` the spans more than half marked exactly, and the spans exactly half marked
        are named, left for the adjudicator to add. The suggestion box says what each member said (spans with their
        text) and why that answer is pre-selected.
        Its decisions are gold labels, stored as their own events under ``name``; nobody's labels change."""
        if items not in ("conflicts", "all"):
            raise InputError(f'items={items!r}: use "conflicts" or "all".')
        _check_login(self.store, name, adjudicating=True)
        if name in set(self._in_force()["annotator"]):
            raise InputError(f"{name!r} labels in this team; an adjudicator needs a name of their own.")
        frame, said = self._review_frame(only_conflicts=items == "conflicts")
        if frame.empty:
            raise InputError(
                "there is nothing to settle yet: no item has two different labels"
                + (" (items='all' reviews every item with two or more labels)." if items == "conflicts" else ".")
            )
        self.store.record_session(
            {"session_id": f"adjudicator-{uuid.uuid4().hex}", "annotator": name, "role": ADJUDICATOR_ROLE}
        )
        shown = [c for c in frame.columns if c.startswith("said by ")]
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r".*decisions are kept per annotator", category=UserWarning)
            judge = self._make_adjudicator(frame, name, shown, options)
        # each member's answer beside the item, one layer per member, to take with a key (spans: marked on the text)
        judge.session.attach_layers(MemberAnswers(said, frame["key"].tolist()))
        return judge

    def _make_adjudicator(self, frame: pd.DataFrame, name: str, shown: list[str], options: dict[str, Any]) -> Labeler:
        from labelwidgets.labeler import Labeler
        from labelwidgets.suggesters.column import FromColumn

        return Labeler(
            frame,
            text=self.text,
            labels=self._label_spec(),
            kind=self.labels.kind,  # the kind itself: its options (spans: overlap, alignment) carry over
            key="key",
            store=self.store,
            annotator=name,
            # every item has a pre-selected answer, so none shows as a suggester's failure
            suggester=FromColumn(PRESELECTED_COLUMN, rationale=WHY_COLUMN, name="the team"),
            show=shown,
            guidelines=self.guidelines,
            columns={
                "label": "gold",
                "decision": "gold_decision",
                "suggestion": "gold_suggestion",
                "confidence": "gold_confidence",
                "annotator": "adjudicator",
            },
            **options,
        )

    def _review_frame(self, *, only_conflicts: bool) -> tuple[pd.DataFrame, dict[Any, list[tuple[str, str]]]]:
        """One row per item two members or more answered (differently, with ``only_conflicts``): its text, the
        majority (None without one), the answer pre-selected and why, and each member's answer and note; and, by
        item key, what each member said (annotator, stored answer), in the order they answered."""
        rated = ratings(self._in_force())
        gold = self.answers.gold(self._ratings(), None, self.labels).set_index("key")["label"]
        rows = []
        said_by_key: dict[Any, list[tuple[str, str]]] = {}
        texts = self.df[self.text]
        position = {k: i for i, k in enumerate(self.df[self.key] if self.key else self.df.index)}
        for key, group in rated.groupby("key", sort=False):
            said = list(zip(group["annotator"], group["label"], strict=True))  # in the order they answered
            if len(said) < 2 or (only_conflicts and len({stored for _, stored in said}) < 2):
                continue
            said_by_key[key] = said
            text = texts.iloc[position[key]]
            item_text = text if isinstance(text, str) else None
            preselected, why = self.answers.preselect(said, self.labels, text=item_text)
            row: dict[str, Any] = {
                "key": key,
                self.text: text,
                # what the kind shows beside the text (a pair's two outputs), so the adjudicator sees the item whole
                **{column: self.df[column].iloc[position[key]] for column in self.labels.kind.item_columns},
                "majority": gold.get(key),
                PRESELECTED_COLUMN: self.labels.kind.value(preselected, self.labels, text=item_text),
                WHY_COLUMN: why,
            }
            for annotator, label, note in zip(group["annotator"], group["label"], group["note"], strict=True):
                answer = self.labels.describe(label, text=item_text)
                row[f"said by {annotator}"] = answer + (f" — {note}" if isinstance(note, str) and note else "")
            rows.append(row)
        if not rows:
            columns = ["key", self.text, *self.labels.kind.item_columns, "majority", PRESELECTED_COLUMN, WHY_COLUMN]
            return pd.DataFrame({column: pd.Series(dtype=object) for column in columns}), said_by_key
        return pd.DataFrame(rows), said_by_key

    @public
    def dashboard(self) -> Any:
        """Agreement between people, live: per pair, per label and overall, updated as decisions arrive."""
        return view_for(self)

    def snapshot(self, *, n_boot: int = 1000) -> TeamSnapshot:
        """What the team's dashboard draws, read now: agreement by label (``n_boot`` resamples) and progress,
        with the store's latest event id read before them."""
        version = self.store.latest_id()
        return TeamSnapshot(
            version=version,
            agreement=self._agreement(by_label=True, n_boot=n_boot),
            progress=self._progress(),
            n_items=len(self.df),
            overlap=self.overlap,
            pair_metric=self.answers.pair_metric,
            pair_title=self.answers.pair_title,
            overall=self.answers.overall,
            label_metric=self.answers.label_metric,
            label_title=self.answers.label_title,
        )

    def close(self) -> None:
        for labeler in self._labelers.values():
            labeler.close()
        self._labelers.clear()
        self._queues.clear()

    def __repr__(self) -> str:
        kind = "" if self.labels.kind.name == "single" else f", kind={self.labels.kind.name!r}"
        return (
            f"Team({len(self.df)} items, labels={self.labels.names}{kind}, overlap={self.overlap}, "
            f"store={self.store.description!r})"
        )


def _check_login(store: Store, name: str, *, adjudicating: bool = False) -> None:
    """On a created store, a member labels (or adjudicates) only under their own name, and only adjudicators
    adjudicate: said before anything opens (the database would refuse it anyway)."""
    from labelwidgets.store.enforced import RULES, EnforcedStore
    from labelwidgets.store.roles import ADJUDICATOR

    if not isinstance(store, EnforcedStore):
        return
    if name != store.me:
        raise NotAllowed(
            f"this store records decisions only under the name of the login that opened it ({store.me!r}), not "
            f"{name!r}: use team.labeler({store.me!r}), or the URL {name!r} was given."
        )
    if adjudicating and store.member_kind != ADJUDICATOR:
        raise NotAllowed(f"{store.me!r} is a member of this team, not an adjudicator: " + RULES["lw_sessions"].format(
            me=store.me))  # fmt: skip


class MemberAnswers:
    """What each member said on each item of an adjudicator's frame (`Layers`): one layer per member, in the order
    they answered, for the adjudicator to take one with a key (the same answers the "said by" columns describe)."""

    def __init__(self, said: dict[Any, list[tuple[str, str]]], keys: list[Any]) -> None:
        self._by_row = [said.get(key, []) for key in keys]  # the frame's rows, in order

    def layers_at(self, row: int) -> list[tuple[str, str]]:
        return self._by_row[row] if 0 <= row < len(self._by_row) else []
