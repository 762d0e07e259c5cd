"""Teaching mode: students label against a gold answer key (`lw.Labeler(..., gold=...)`), the teacher follows the
class (`lw.Classroom`)."""
