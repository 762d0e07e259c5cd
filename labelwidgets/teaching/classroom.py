"""`lw.Classroom`: the teacher's side of teaching mode: a class labeling the same items against a gold answer."""

from __future__ import annotations

import os
import threading
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from labelwidgets import frames
from labelwidgets.errors import InputError, public, user_stacklevel
from labelwidgets.keys import encode_key
from labelwidgets.labels import LabelSet
from labelwidgets.store import Store, open_store
from labelwidgets.teaching.answer_key import read_gold, spans_hint
from labelwidgets.teaching.class_answers import ClassAnswers, ClassMeasures, class_answers_for
from labelwidgets.widgets.display import LiveView, view_for

if TYPE_CHECKING:
    from labelwidgets.store.roles import Access

#: The event fields a classroom reads (and ``id``): one narrow query per poll.
EVENT_FIELDS = ("item_key", "annotator", "action", "label", "suggestion", "suggestion_visible", "decided_at",
                "undoes", "session_id")  # fmt: skip
WAITING = "waiting for the first answers"


@dataclass(frozen=True)
class ClassroomSnapshot:
    """What a view of a `Classroom` shows, all read at one version of the events (`Classroom.snapshot`)."""

    version: int  # moves whenever new events are read (`Classroom.sync`)
    table: pd.DataFrame  # `Classroom.table`
    agreement: pd.DataFrame  # `Classroom.agreement`
    sway: pd.DataFrame  # `Classroom.sway`
    hardest: pd.DataFrame  # `Classroom.hardest`
    progress: pd.DataFrame  # `Classroom.progress`
    outside: int  # events on items that are not in this DataFrame, left out
    n_items: int
    n_practice: int
    ci: float
    text: str  # the column of item texts, in ``hardest``
    labels: list[str]
    measures: ClassMeasures  # which of these numbers a view draws, for the class's kind of answer


class Classroom:
    """A class of students labeling one DataFrame against a gold answer, followed live from their store.

    >>> room = lw.Classroom("class.db", df, gold="expert_label", labels=["ham", "spam"])
    >>> room            # the live view: progress, each student's accuracy and kappa vs gold and vs the model
    >>> room.table      # the same numbers, one row per student
    >>> room.hardest    # the items the class got wrong most, with the spread of answers
    >>> room.agreement  # the students' agreement among themselves (Krippendorff's alpha)
    >>> room.sway       # how far a shown suggestion moved answers, against blind decisions

    ``store`` is the store the students label into (a SQLite path or any SQLAlchemy URL, PostgreSQL included), or
    see `from_files` for one SQLite file per student. Each student is one ``annotator``. ``gold`` names the
    column of correct labels; an item without one is a practice item: answered, never scored. ``key`` names the
    column of item keys (default: the index), as in the students' Labelers; ``text`` the column shown for the
    hardest items. ``anonymous=True`` shows students as "student 1", "student 2", … numbered by their first
    decision, in every output (for projecting). The numbers are `labelwidgets.metrics.classroom`'s; every read
    of them first fetches the events that arrived since the last read (``poll`` seconds is how often the live view
    does so by itself). ``ci``, ``n_boot`` and ``seed`` set the intervals (bootstrap over items for kappa and
    alpha, Wilson for shares).

    ``kind="multi"``: the students answer with sets of labels (the gold column holds lists, or their JSON text).
    ``table`` then has each student's mean Jaccard against gold (and against the model), their exact share and
    micro/macro F1; ``by_label`` each student's precision, recall, F1 and Cohen's kappa per label; ``agreement``
    the class's Krippendorff's alpha with MASI; ``hardest`` the items with the lowest mean Jaccard first.

    ``kind="spans"``: the students mark spans of each text (the gold column holds lists of spans over its row's
    text, checked against it, or their JSON text). ``table`` then has each student's strict span precision, recall
    and F1 against gold (F1 with an interval; against the model too), partial F1 and exact share; ``by_label`` each
    student's span F1 per label; ``agreement`` the class's mean pairwise strict and partial span F1; ``hardest`` the
    items with the lowest mean strict F1 first, with the gold spans most missed and the spans most often added
    (`labelwidgets.metrics.classroom_spans`).
    """

    @public
    def __init__(
        self,
        store: str | os.PathLike[str] | Store,
        df: frames.Frame,
        *,
        gold: str,
        labels: Iterable[str] | Mapping[str, str],
        kind: str = "single",
        key: str | None = None,
        text: str = "text",
        anonymous: bool = False,
        poll: float = 2.0,
        ci: float = 0.95,
        n_boot: int = 1000,
        seed: int = 0,
    ):
        if store is None:
            raise InputError(
                "a Classroom reads the store the students label into: pass its path or URL (store='class.db'), "
                "or use Classroom.from_files([...]) for one file per student."
            )
        self._configure(df, gold=gold, labels=labels, kind=kind, key=key, text=text, anonymous=anonymous, poll=poll,
                        ci=ci, n_boot=n_boot, seed=seed)  # fmt: skip
        self._attach([store])

    @classmethod
    @public
    def from_files(cls, paths: Sequence[str | os.PathLike[str]], df: frames.Frame, **options: Any) -> Classroom:
        """A classroom from the students' own SQLite store files (each labeled alone, no shared store).

        ``paths`` lists the files; ``options`` are those of `Classroom`. Each file's event ids are its own, so an
        undo only ever cancels an event of its own file. One annotator id in two files from different labeling
        sessions (two people under one name) is warned about: their answers are then read as one student's.
        """
        if isinstance(paths, (str, os.PathLike)):
            raise InputError(
                f"from_files() takes a list of store files, not one path: from_files([{str(paths)!r}], …)."
            )
        files = [Path(p).expanduser() for p in paths]
        if not files:
            raise InputError("from_files() needs at least one store file.")
        missing = [str(p) for p in files if not p.is_file()]
        if missing:
            raise InputError(
                f"from_files(): no store file {missing[0]!r}"
                + (f" (and {len(missing) - 1} more: {missing[1:4]})" if len(missing) > 1 else "")
                + ". Check the path of each student's .db file."
            )
        repeated = sorted({str(p) for p in files if files.count(p) > 1})
        if repeated:
            raise InputError(f"from_files(): {repeated} listed more than once; give each student's file once.")
        room = cls.__new__(cls)
        room._configure(df, **options)
        room._attach([str(p) for p in files])
        return room

    @classmethod
    @public
    def create(
        cls,
        admin_url: str,
        *,
        roster: Iterable[str] | Mapping[str, str],
        labels: Iterable[str] | Mapping[str, str],
        key_from: frames.Frame,
        gold: str,
        feedback: str | None = "after",
        **options: Any,
    ) -> Classroom:
        """A class on a PostgreSQL store that enforces its rules for every student's connection, whatever client
        they use (`labelwidgets.store.roles`): the answer key (``key_from[gold]``) lives in the store, out of the
        students' reach; a student reads an item's gold answer only after their own answer on it is stored, and only
        as ``feedback`` says ("after" each answer, "end" once every item is decided, None never); their answers only
        under their own name, never changed or deleted, and nobody else's.

        ``roster`` is the students' names (passwords generated) or names -> passwords. Returns the teacher's
        Classroom; ``room.access`` holds each student's URL (``room.access.url("ana")``), handed back this once, and
        `handout` the items without the gold column, for the students, who open
        ``lw.Labeler(handout, labels=..., store=url, annotator="ana", gold=<the gold column's name>)``. ``options``
        are `Classroom`'s (``kind``, ``key``, ``text``, ...). ``admin_url``'s login needs CREATEROLE and the right
        to create tables in the database.
        """
        from labelwidgets.store.roles import STUDENT, create_enforced, people_from
        from labelwidgets.teaching.answer_key import FEEDBACK_MODES

        people = people_from(roster, STUDENT, "roster")
        if feedback not in FEEDBACK_MODES:
            raise InputError(f"feedback={feedback!r}: use 'after', 'end' or None (students never see the answers).")
        if not isinstance(admin_url, str) or not admin_url.startswith("postgresql"):
            raise InputError(
                "Classroom.create() sets up a PostgreSQL store that enforces its rules: give the teacher's URL, "
                f"postgresql+psycopg://teacher@host/db, not {admin_url!r}. A SQLite file enforces nothing."
            )
        room = cls(admin_url, key_from, gold=gold, labels=labels, **options)  # the answer key checked here
        try:
            store = room.stores[0]
            store.check_labels(room.labels.names, kind=room.labels.kind.name)  # only the teacher may record them
            room.access = create_enforced(
                store,  # type: ignore[arg-type]
                people,
                kind="class",
                feedback=feedback,
                gold={str(key): str(answer) for key, answer in room._gold.items()},
                items=list(room._position),
            )
        except BaseException:
            room.close()
            raise
        return room

    @public
    def handout(self) -> Any:
        """The items for the students: the DataFrame without the gold column (a copy, of the kind of frame the class
        was given). On a store made with `create` the students get their feedback from the store, so their kernel
        never holds the answers."""
        return self._given.back(self.df.drop(columns=[self.gold]).copy())

    # ----- set-up ---------------------------------------------------------------------------------------------
    def _configure(
        self,
        df: frames.Frame,
        *,
        gold: str,
        labels: Iterable[str] | Mapping[str, str],
        kind: str = "single",
        key: str | None = None,
        text: str = "text",
        anonymous: bool = False,
        poll: float = 2.0,
        ci: float = 0.95,
        n_boot: int = 1000,
        seed: int = 0,
    ) -> None:
        from labelwidgets.metrics.counts import check_ci, check_n_boot

        df, given = frames.intake(df, text=[text], of="of items the students label")  # pandas inside
        self._given = given
        self.labels = LabelSet.parse(labels, kind)
        #: What this classroom computes differently for its kind of answer.
        self.answers_kind: ClassAnswers = class_answers_for(self.labels)
        names = self.labels.names
        for argument, column in (("gold", gold), ("text", text), ("key", key)):
            if column is not None and column not in df.columns:
                raise InputError(
                    f"the DataFrame has no column {column!r} ({argument}=); its columns are {list(df.columns)}."
                )
        if not isinstance(poll, (int, float)) or isinstance(poll, bool) or not poll > 0:
            raise InputError(f"poll={poll!r} must be a positive number of seconds.")
        check_ci(ci)
        check_n_boot(n_boot, least=0)
        keys = df[key] if key is not None else df.index.to_series()
        if not keys.is_unique:
            raise InputError(
                f"item keys must be unique ({'column ' + repr(key) if key else 'the index'} has duplicates): the "
                "store names each item by its key, as the students' Labelers did."
            )
        texts = df[text] if self.labels.kind.about_text else None  # gold spans are checked against their text
        values, practice, outside = read_gold(df[gold], self.labels, texts=texts)
        if outside:
            hint = spans_hint(df[gold], self.labels)
            if all(str(v) in names for v in values[~practice]):
                hint = f" They match as text: df[{gold!r}] = df[{gold!r}].astype('string')."
            raise InputError(
                f"the gold column {gold!r} has labels that are not in labels={names}: {outside[:20]}"
                f"{' …' if len(outside) > 20 else ''}. Fix the column, or add them to labels=.{hint}"
            )
        if len(values) and practice.all():
            raise InputError(
                f"the gold column {gold!r} has no labels (all {len(values)} values are missing): a classroom scores "
                "answers against gold, and there is none recorded. Pass the column of correct labels."
            )
        if not len(values):
            raise InputError("the DataFrame has no items: a classroom needs the items the students label.")
        self.df = df
        self.gold = gold
        self.key = key
        self.text = text
        self.anonymous = bool(anonymous)
        self.poll = float(poll)
        self.ci, self.n_boot, self.seed = float(ci), int(n_boot), seed
        encoded = [encode_key(k) for k in keys.tolist()]
        self._original = dict(zip(encoded, keys.tolist(), strict=True))
        self._position = {k: i for i, k in enumerate(encoded)}
        scored = ~practice
        self._gold = pd.Series(
            values[scored], index=pd.Index(np.asarray(encoded, dtype=object)[scored]), dtype="object"
        )
        self.n_items = len(df)
        self.n_practice = int(practice.sum())
        #: Each student's URL when this class was made with `create` (the teacher's Classroom): see `create`.
        self.access: Access | None = None

    def _attach(self, stores: Sequence[str | os.PathLike[str] | Store]) -> None:
        self._lock = threading.RLock()
        self._closed = False
        self._owned = [isinstance(s, (str, os.PathLike)) for s in stores]
        opened: list[Store] = []
        try:
            for store in stores:
                opened.append(open_store(store))
        except Exception:
            for store, owned in zip(opened, self._owned, strict=False):
                if owned:
                    store.close()
            raise
        self.stores = opened
        self._names = [store.description for store in opened]  # a URL's password is masked there
        self._seen = [0] * len(opened)
        self._chunks: list[pd.DataFrame] = []
        self._outside = 0  # events on items that are not in this DataFrame (another dataset in the store)
        self._version = 0
        self._cache: dict[tuple[str, int], Any] = {}
        self._sessions: list[dict[str, Any]] = []
        self._warned: set[str] = set()
        self._view: LiveView | None = None
        try:
            self.sync()
            answered = self.answers_raw()
            unknown = self._not_answers(answered["answer"].dropna().unique())
            if unknown:
                raise InputError(
                    f"the store holds answers {unknown[:10]} that are not in labels={self.labels.names}: pass the "
                    "label set the students label with."
                )
        except Exception:
            self.close()
            raise

    # ----- reading the store ----------------------------------------------------------------------------------
    def sync(self) -> int:
        """Read the events that arrived since the last read (one cheap query per store when none did) and return
        the version of what was read: it moves only when events arrive, so a view redraws only then."""
        with self._lock:
            if self._closed:
                return self._version
            n = len(self.stores)
            changed = False
            for i, store in enumerate(self.stores):
                if store.latest_id() <= self._seen[i]:
                    continue
                new = store.events_frame(columns=EVENT_FIELDS, after_id=self._seen[i])
                if new.empty:
                    continue
                self._seen[i] = int(new["id"].max())
                changed = True
                mine = new["item_key"].isin(self._position.keys()).to_numpy()
                self._outside += int((~mine).sum())
                new = new[mine].copy()
                # ids stay unique and ordered within each file when several files are read as one log
                new["source"] = i
                new["id"] = new["id"].astype(np.int64) * n + i
                new["undoes"] = pd.to_numeric(new["undoes"], errors="coerce") * n + i
                if len(new):
                    self._chunks.append(new)
            if changed:
                self._version += 1
                self._sessions = [info for store in self.stores for info in store.sessions()]
                self._check_shared_ids()
            return self._version

    def _events(self) -> pd.DataFrame:
        def compute() -> pd.DataFrame:
            if not self._chunks:
                return pd.DataFrame({c: pd.Series(dtype=object) for c in (*EVENT_FIELDS, "id", "source")})
            if len(self._chunks) > 1:
                self._chunks = [pd.concat(self._chunks, ignore_index=True)]
            return self._chunks[0]

        return self._cached("events", compute)

    def _check_shared_ids(self) -> None:
        if len(self.stores) < 2 or not self._chunks:
            return
        events = self._events()
        for annotator, own in events.groupby("annotator", sort=True):
            where = own["source"].to_numpy()
            sources = {int(i): set(own["session_id"][where == i].dropna()) for i in np.unique(where)}
            if len(sources) < 2 or str(annotator) in self._warned:
                continue
            sessions = list(sources.values())
            disjoint = all(not (a & b) for j, a in enumerate(sessions) for b in sessions[j + 1 :])
            if disjoint and all(sessions):
                self._warned.add(str(annotator))
                files = [self._names[i] for i in sources]
                warnings.warn(
                    f"the annotator {annotator!r} labeled in {files} in different sessions: two people under one name? "
                    "Their answers are read as one student's (on an item decided in both, the later file's "
                    "decision counts). Give each student their own annotator= to tell them apart.",
                    UserWarning,
                    stacklevel=user_stacklevel(),
                )

    def _cached(self, name: str, compute: Callable[[], Any]) -> Any:
        with self._lock:
            slot = (name, self._version)
            if slot not in self._cache:
                self._cache = {k: v for k, v in self._cache.items() if k[1] == self._version}
                self._cache[slot] = compute()
            return self._cache[slot]

    def answers_raw(self) -> pd.DataFrame:
        """`scored_answers` of the events read so far, with the stored keys and annotator names (no read)."""
        from labelwidgets.metrics.classroom import scored_answers

        return self._cached("answers", lambda: scored_answers(self._events()))

    def _answers_shown(self) -> pd.DataFrame:
        """`answers_raw` with the answers, final answers and suggestions as the class's tables show them."""

        def compute() -> pd.DataFrame:
            frame = self.answers_raw().copy()
            texts = self._texts_of(frame["key"])
            for column in ("answer", "final", "suggestion"):
                frame[column] = self.answers_kind.shown(frame[column], self.labels, texts=texts)
            return frame

        return self._cached("answers shown", compute)

    def _gold_shown(self) -> pd.Series:
        return self.answers_kind.shown(self._gold, self.labels, texts=self._texts_of(self._gold.index.to_series()))

    def _texts_of(self, keys: pd.Series) -> list[Any] | None:
        """The texts of the items ``keys`` names (stored keys), for kinds whose answers are about the text (spans
        are shown with it); None for the others, which never read it."""
        if not self.labels.kind.about_text:
            return None
        texts = self.df[self.text].tolist()
        return [texts[self._position[k]] if k in self._position else None for k in keys.tolist()]

    def _not_answers(self, stored: Iterable[Any]) -> list[str]:
        """The stored answers that are no answer over this classroom's labels (another label set, another kind)."""
        wrong = []
        for value in stored:
            try:
                self.labels.kind.from_cell(value, self.labels)
            except InputError:
                wrong.append(str(value))
        return sorted(wrong)

    def _students(self) -> dict[str, str]:
        """Annotator -> the name shown: itself, or "student i" numbered by first decision when anonymous."""

        def compute() -> dict[str, str]:
            events = self._events()
            if events.empty:
                return {}
            first = events.groupby("annotator")["decided_at"].min().astype(str)
            order = sorted(first.index, key=lambda a: (first[a], str(a)))
            if not self.anonymous:
                return {str(a): str(a) for a in order}
            return {str(a): f"student {i}" for i, a in enumerate(order, start=1)}

        return self._cached("students", compute)

    def _shown(self, frame: pd.DataFrame, column: str = "student") -> pd.DataFrame:
        names = self._students()
        out = frame.copy()
        out[column] = [names.get(str(s), str(s)) for s in out[column]]
        if self.anonymous:
            rank = {name: i for i, name in enumerate(names.values())}
            out = out.sort_values(column, key=lambda s: s.map(rank), kind="stable").reset_index(drop=True)
        return out

    def _decode(self, frame: pd.DataFrame) -> pd.DataFrame:
        out = frame.copy()
        out["key"] = pd.Series([self._original[k] for k in out["key"]], index=out.index, dtype=object)
        return out

    # ----- what the class did ---------------------------------------------------------------------------------
    # Each table comes back in the kind of frame the class was given (polars for polars); the views and the package
    # read the pandas ones (`answers_pandas`, `_table`, ...).
    @public
    def refresh(self) -> None:
        """Read what arrived in the store now (and redraw the live view)."""
        self.sync()
        if self._view is not None:
            self._view.refresh()

    @property
    def answers(self) -> Any:
        """One row per student and item: the scored answer, the final one (with revisions) and the suggestion;
        see `labelwidgets.metrics.classroom.scored_answers`. Keys are the DataFrame's own."""
        return self._given.back(self.answers_pandas())

    def answers_pandas(self) -> pd.DataFrame:
        self.sync()
        return self._shown(self._decode(self._answers_shown()))

    @property
    def table(self) -> Any:
        """One row per student: answered, scored, accuracy and Cohen's kappa against gold (with intervals), kappa
        against the model and the model's accuracy on the same items, answers revised after feedback, the share of
        decisions made with the suggestion shown, last activity and the feedback mode of their latest session
        (`labelwidgets.metrics.classroom.student_scores`). Practice items (no gold) are answered, never scored."""
        self.sync()
        return self._given.back(self._table(self.n_boot))

    def _table(self, n_boot: int) -> pd.DataFrame:
        def compute() -> pd.DataFrame:
            scores = self.answers_kind.table(self._answers_shown(), self._gold_shown(), self.labels, ci=self.ci,
                                             n_boot=n_boot, seed=self.seed)  # fmt: skip
            last = self._last_activity()
            scores["last_activity"] = pd.Series([last.get(s) for s in scores["student"]], dtype="datetime64[ns, UTC]")
            feedback = self._feedback_modes()
            scores["feedback"] = pd.Series([feedback.get(s) for s in scores["student"]], dtype=object)
            return self._shown(scores)

        return self._cached(f"table/{n_boot}", compute)

    def _last_activity(self) -> pd.Series:
        events = self._events()
        if events.empty:
            return pd.Series(dtype="datetime64[ns, UTC]")
        return pd.to_datetime(events.groupby("annotator")["decided_at"].max(), utc=True, format="ISO8601")

    def _feedback_modes(self) -> dict[str, Any]:
        """Each annotator's feedback mode from their latest recorded session (shown, never used in a number)."""
        latest: dict[str, tuple[str, Any]] = {}
        for info in self._sessions:
            teaching = info.get("teaching")
            if not isinstance(teaching, Mapping):
                continue
            who, when = str(info.get("annotator")), str(info.get("started_at") or "")
            if who not in latest or when >= latest[who][0]:
                latest[who] = (when, teaching.get("feedback"))
        return {who: mode for who, (_, mode) in latest.items()}

    @property
    def progress(self) -> Any:
        """Per student: items answered (practice included), of how many, the share, and the last activity."""
        self.sync()
        return self._given.back(self._progress())

    def _progress(self) -> pd.DataFrame:
        def compute() -> pd.DataFrame:
            answers = self.answers_raw()
            decided = answers[answers["action"].notna()].groupby("student").size()
            students = list(self._students())
            last = self._last_activity()
            frame = pd.DataFrame(
                {
                    "student": pd.Series(students, dtype=object),
                    "answered": [int(decided.get(s, 0)) for s in students],
                    "items": self.n_items,
                    "share": [decided.get(s, 0) / self.n_items for s in students],
                    "last_activity": pd.Series([last.get(s) for s in students], dtype="datetime64[ns, UTC]"),
                }
            )
            return self._shown(frame)

        return self._cached("progress", compute)

    @property
    def hardest(self) -> Any:
        """The items the class got wrong most (share of students wrong, highest first), with the item's text, the
        gold label, the most common wrong answer and the count of answers per label
        (`labelwidgets.metrics.classroom.hardest`)."""
        self.sync()
        return self._given.back(self._hardest(None))

    def _hardest(self, top: int | None) -> pd.DataFrame:
        def compute() -> pd.DataFrame:
            frame = self.answers_kind.hardest(self._answers_shown(), self._gold_shown(), self.labels, top)
            texts = self.df[self.text]
            frame.insert(1, self.text, [texts.iat[self._position[k]] for k in frame["key"]])
            return self._decode(frame)

        return self._cached(f"hardest/{top}", compute)

    @property
    def agreement(self) -> Any:
        """The students' agreement among themselves: Krippendorff's alpha (nominal) with a bootstrap interval and the
        mean pairwise Cohen's kappa (`labelwidgets.metrics.classroom.class_agreement`)."""
        self.sync()
        return self._given.back(self._agreement(self.n_boot))

    def _agreement(self, n_boot: int) -> pd.DataFrame:
        return self._cached(
            f"agreement/{n_boot}",
            lambda: self.answers_kind.agreement(self._answers_shown(), self.labels, ci=self.ci, n_boot=n_boot,
                                                seed=self.seed),
        )  # fmt: skip

    @property
    def by_label(self) -> Any:
        """With ``kind="multi"``: per student and label, how their sets find each gold label: precision, recall,
        F1 and Cohen's kappa with its interval (`labelwidgets.metrics.classroom.student_label_scores`)."""
        self.sync()

        def compute() -> pd.DataFrame:
            frame = self.answers_kind.by_label(self._answers_shown(), self._gold_shown(), self.labels, ci=self.ci,
                                               n_boot=self.n_boot, seed=self.seed)  # fmt: skip
            return self._shown(frame)

        return self._given.back(self._cached("by label", compute))

    @property
    def sway(self) -> Any:
        """How far seeing the suggestion moved answers: follow rate and accuracy with the suggestion shown vs hidden
        (blind), over all items and where the model was right or wrong (`labelwidgets.metrics.classroom.sway`)."""
        self.sync()
        return self._given.back(self._sway())

    def _sway(self) -> pd.DataFrame:
        from labelwidgets.metrics.classroom import sway

        return self._cached("sway", lambda: sway(self.answers_raw(), self._gold, ci=self.ci))

    @property
    def n_students(self) -> int:
        return len(self._students())

    @property
    def errors(self) -> list[str]:
        """What the live view could not do (the store away for a moment), once each."""
        return [] if self._view is None else list(self._view.errors)

    # ----- showing it -----------------------------------------------------------------------------------------
    def snapshot(self, *, n_boot: int | None = None) -> ClassroomSnapshot:
        """Every number a view shows, read now and all at one version of the events. ``n_boot``: resamples for the
        kappa and alpha intervals (default: this classroom's ``n_boot``; the live view uses fewer, to stay quick)."""
        from labelwidgets.metrics.counts import check_n_boot

        n_boot = self.n_boot if n_boot is None else n_boot
        check_n_boot(n_boot, least=0)
        self.sync()
        with self._lock:
            return ClassroomSnapshot(
                version=self._version,
                table=self._table(n_boot),
                agreement=self._agreement(n_boot),
                sway=self._sway(),
                hardest=self._hardest(None),
                progress=self._progress(),
                outside=self._outside,
                n_items=self.n_items,
                n_practice=self.n_practice,
                ci=self.ci,
                text=self.text,
                labels=list(self.labels.names),
                measures=self.answers_kind.measures,
            )

    @public
    def view(self) -> Any:
        """The live view (made once, then the same one): it polls the store every ``poll`` seconds."""
        if self._closed:
            raise InputError("this Classroom is closed; make a new one to follow the class.")
        if self._view is None:
            self._view = view_for(self)
        return self._view

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        if self._closed:
            return {"text/plain": repr(self)}
        return self.view()._repr_mimebundle_(**kwargs)

    def close(self) -> None:
        """Stop the live view and close the stores this classroom opened. May be called any number of times."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        if self._view is not None:
            self._view.close()
        for store, owned in zip(self.stores, self._owned, strict=True):
            if owned:
                store.close()

    def __repr__(self) -> str:
        practice = f", {self.n_practice} practice items without gold (not scored)" if self.n_practice else ""
        with self._lock:
            who = f"{self.n_students} students" if self._chunks else WAITING
        where = self._names[0] if len(self._names) == 1 else f"{len(self._names)} files"
        kind = "" if self.labels.kind.name == "single" else f", kind={self.labels.kind.name!r}"
        return (
            f"Classroom({who}, {self.n_items} items{practice}, labels={self.labels.names}{kind}, gold={self.gold!r}, "
            f"store={where!r})"
        )
