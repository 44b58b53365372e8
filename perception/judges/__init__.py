"""Independent expression judges: models trained on real photographs that tell how a real-trained eye
reads hrisim's faces. Measuring instruments only: nothing in hrisim trains, distils or selects models
on their outputs (``fer.FERJudge``; ``hrisim judge`` runs it on a dataset or a real folder)."""
