"""Speech recognition: recordings to transcripts with faster-whisper (CTranslate2), offline first.

Never imports textual. Import what you need from its modules (``speech.runner.Transcriber``,
``speech.options.TranscribeOptions``, ``speech.model_lookup.resolve_model``, ...): this file
imports nothing, so that the decoder worker (``python -m mpu_qual.speech.worker``) starts
without the store, rich or click, and so that the CLI does not pay for faster-whisper, which
only the worker process imports.
"""
