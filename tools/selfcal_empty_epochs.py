"""Empty-epoch study on the real s83 pixels: vet_pixels at fake mid-transit times, with and without self-calibration.

Run: python tools/selfcal_empty_epochs.py N (number of empty epochs, default 200).
"""
import collections
import os
import sys

import numpy as np
from toi5807.data.model import Dataset
from toi5807.data.readers import read_tpf_fits
from toi5807.lightcurve import Ephemeris
from toi5807.vetting.vet import vet_pixels

n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
st = read_tpf_fits(os.environ["TOI5807_REAL_TPF_DIR"] + "/sector83_tpf.fits")
P, T0, DH = 14.2423724, 3540.26317, 4.046
d = DH / 24
offs = np.linspace(4 * d, P - 4 * d, n)  # every fake transit ≥ 4 durations from a real one
ds = Dataset({}, {83: st}, source="local")
real = vet_pixels(ds, Ephemeris(period_days=P, t0_btjd=T0, duration_hours=DH))
print("real s83:", real.verdict, real.reason, "combined offset sigma", real.to_dict()["calibration"]["offset"]["sigma"])
for cal in (False, True):
    c = collections.Counter()
    for o in offs:
        r = vet_pixels(ds, Ephemeris(period_days=P, t0_btjd=T0 + o, duration_hours=DH), self_calibrate=cal)
        c[r.verdict] += 1
    print(f"self_calibrate={cal}: {n} empty epochs →", dict(c))
