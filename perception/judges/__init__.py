"""Independent expression judges: models trained on real photographs that tell how a real-trained eye
reads hrisim's faces. Measuring instruments only: nothing in hrisim trains, distils or selects models
on their outputs (``fer.FERJudge``; ``run.run_real_judge`` on a folder of real faces; ``hrisim judge``, a command of
``training``, runs it on a generated dataset too)."""
