"""Tests of Scripts/bench's estimators (unittest, standard library only).

    python3 -m unittest discover -s Scripts/bench-tools -p 'test_*.py'      # from the repo root
"""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402


class PairedRatioTests(unittest.TestCase):
    def test_median_and_range_are_of_the_per_repetition_ratios(self):
        # Three repetitions whose allotd / floor ratios are 0.5, 2.0 and 1.25: the median of the ratios (1.25)
        # is not the ratio of the medians (200 / 100 = 2.0), and the range is that of the ratios.
        allotd = [{"rps": 50.0}, {"rps": 400.0}, {"rps": 200.0}]
        floor = [{"rps": 100.0}, {"rps": 200.0}, {"rps": 160.0}]
        medians, ranges = bench.paired_ratios(list(zip(allotd, floor)), ("rps",))
        self.assertAlmostEqual(medians["rps"], 1.25)
        self.assertEqual(ranges["rps"], [0.5, 2.0])

    def test_the_cell_shows_the_range_only_where_the_run_kept_one(self):
        summary = {"ratio": {"rps": 0.8412}, "ratio_range": {"rps": [0.52, 1.291]}}
        self.assertEqual(bench.ratio_cell(summary, "rps"), "0.84× (0.52–1.29)")
        # a run saved before the ranges were kept
        self.assertEqual(bench.ratio_cell({"ratio": {"rps": 0.8412}}, "rps"), "0.84×")


if __name__ == "__main__":
    unittest.main()
