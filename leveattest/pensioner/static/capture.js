/* Capture in the browser (issue 13): the data-page photo and the selfie under the
   server's colour challenge, uploaded over the phone app's own API (/v1) with the
   session's token, so the same limits and problem codes apply. No inline script, no
   library: the pages read the same without it (the photo form posts, the selfie page
   says to continue in the app). Every text comes translated in the page.

   The selfie: the camera opens, and LEAD_IN ms after the camera started (its first
   frame's capture time less its media time, the camera clock's origin) the screen shows
   the issued colours at the issued times, then the prompt. Each frame's timestamp is its
   capture time (requestVideoFrameCallback's captureTime) from that start, which is the
   challenge's time base; a frame every ~100 ms, at most max_frames. */
(function () {
  "use strict";

  function text(root, key, values) {
    var node = root.querySelector('[data-text="' + key + '"]');
    var out = node ? node.textContent : "";
    Object.keys(values || {}).forEach(function (name) {
      out = out.split("{" + name + "}").join(String(values[name]));
    });
    return out;
  }

  function problemText(root, code) {
    var node = root.querySelector('[data-problem="' + code + '"]') ||
      root.querySelector('[data-problem="other"]');
    return node ? node.textContent : code;
  }

  function show(node, on) { if (node) { node.hidden = !on; } }

  function say(root, role, message) {
    var node = root.querySelector('[data-role="' + role + '"]');
    if (node) { node.textContent = message; show(node, Boolean(message) || role === "status"); }
  }

  function fail(root, code) {
    say(root, "problem", problemText(root, code));
    say(root, "status", "");
  }

  function Problem(code) { this.code = code; }

  function api(root, method, path, body, type) {
    var headers = { "Authorization": "Bearer " + root.dataset.token };
    if (type) { headers["Content-Type"] = type; }
    return fetch("/v1/sessions/" + encodeURIComponent(root.dataset.session) + path, {
      method: method, headers: headers, body: body, credentials: "omit", cache: "no-store"
    }).catch(function () { throw new Problem("network"); }).then(function (response) {
      if (response.ok) { return response.json(); }
      return response.json().catch(function () { return {}; }).then(function (problem) {
        throw new Problem(problem.code || "other");
      });
    });
  }

  function codeOf(error) {
    if (error instanceof Problem) { return error.code; }
    if (error && (error.name === "NotAllowedError" || error.name === "SecurityError")) { return "camera_denied"; }
    if (error && (error.name === "NotFoundError" || error.name === "OverconstrainedError" ||
                  error.name === "NotReadableError")) { return "no_camera"; }
    return "other";
  }

  function openCamera(facing, width, height) {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      return Promise.reject(new Problem("no_camera"));
    }
    return navigator.mediaDevices.getUserMedia({
      audio: false,
      video: { facingMode: facing, width: { ideal: width }, height: { ideal: height } }
    });
  }

  function stop(stream) {
    if (stream) { stream.getTracks().forEach(function (track) { track.stop(); }); }
  }

  function grab(video, quality) {
    var canvas = document.createElement("canvas");
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
    return new Promise(function (resolve, reject) {
      canvas.toBlob(function (blob) {
        if (blob) { resolve(blob); } else { reject(new Problem("other")); }
      }, "image/jpeg", quality);
    });
  }

  function checkSize(root, blob, limit) {
    if (blob.size > Number(limit)) { throw new Problem("upload_too_large"); }
    return blob;
  }

  // -- the data page ---------------------------------------------------------------------

  function pagePhoto(root) {
    var video = root.querySelector('[data-role="video"]');
    var shoot = root.querySelector('[data-action="shoot"]');
    var start = root.querySelector('[data-action="camera"]');
    var stream = null;
    start.addEventListener("click", function () {
      say(root, "problem", "");
      openCamera("environment", 1920, 1080).then(function (opened) {
        stream = opened;
        video.srcObject = stream;
        return video.play();
      }).then(function () {
        show(root.querySelector('[data-role="viewfinder"]'), true);
        show(root.querySelector('[data-role="guide-text"]'), true);
        show(shoot, true);
        show(start, false);
        shoot.focus();
      }).catch(function (error) { stop(stream); fail(root, codeOf(error)); });
    });
    shoot.addEventListener("click", function () {
      shoot.disabled = true;
      say(root, "problem", "");
      grab(video, 0.92).then(function (blob) {
        checkSize(root, blob, root.dataset.maxBytes);
        return api(root, "PUT", "/parts/PAGE", blob, "image/jpeg");
      }).then(function () {
        stop(stream);
        say(root, "status", text(root, "page_sent"));
        window.location.assign(root.dataset.next);
      }).catch(function (error) {
        shoot.disabled = false;
        fail(root, codeOf(error));
      });
    });
  }

  // -- the selfie under the colour challenge ---------------------------------------------

  function colourAt(challenge, t) {
    for (var i = 0; i < challenge.colours.length; i += 1) {
      var step = challenge.colours[i];
      if (t >= step.start_ms && t < step.start_ms + step.duration_ms) { return step.rgb; }
    }
    return [255, 255, 255];
  }

  function record(root, challenge, video, stage) {
    var leadIn = Number(root.dataset.leadInMs);
    var end = challenge.prompt.end_ms;
    var maxFrames = Number(root.dataset.maxFrames);
    var interval = Math.max(1000 / 12, end / Math.max(1, maxFrames - 6));
    var frames = [];
    var selfie = null;
    var t0 = null;
    var last = -Infinity;
    var finished = false;
    var useCallback = typeof video.requestVideoFrameCallback === "function";

    function paint() {
      if (finished) { return; }
      if (t0 !== null) {
        var t = performance.now() - t0;
        var rgb = colourAt(challenge, t);
        stage.style.backgroundColor = "rgb(" + rgb.join(",") + ")";
        if (t < 0) {
          say(root, "say", text(root, "countdown", { seconds: Math.ceil(-t / 1000) }));
        } else if (t < challenge.prompt.start_ms) {
          say(root, "say", text(root, "keep_still"));
        } else if (t < end) {
          say(root, "say", text(root, challenge.prompt.action));
        } else {
          say(root, "say", text(root, "done"));
        }
      }
      window.requestAnimationFrame(paint);
    }

    return new Promise(function (resolve, reject) {
      // a camera that never delivers a picture, or stops: said, not waited for forever
      var watchdog = window.setTimeout(function () {
        finished = true;
        reject(new Problem(t0 === null ? "no_camera" : "other"));
      }, leadIn + end + 15000);
      function frame(now, meta) {
        if (finished) { return; }
        var captured = meta && typeof meta.captureTime === "number" ? meta.captureTime : now;
        if (t0 === null) {
          var media = meta && typeof meta.mediaTime === "number" ? meta.mediaTime : -1;
          var origin = media >= 0 && media < 1 ? captured - media * 1000 : captured;
          t0 = origin + leadIn;
        }
        var t = captured - t0;
        if (selfie === null && t >= -500) { selfie = grab(video, 0.92); }
        if (t >= 0 && t <= end + 120 && t - last >= interval - 12 && frames.length < maxFrames) {
          var stamp = Math.max(Math.round(t), frames.length ? frames[frames.length - 1].t + 1 : 0);
          frames.push({ t: stamp, blob: grab(video, 0.9) });
          last = t;
        }
        if (t > end + 120) {
          finished = true;
          window.clearTimeout(watchdog);
          resolve({ selfie: selfie, frames: frames });
          return;
        }
        next();
      }
      function next() {
        if (useCallback) {
          video.requestVideoFrameCallback(frame);
        } else {
          window.requestAnimationFrame(function (now) { frame(now, null); });
        }
      }
      next();
      window.requestAnimationFrame(paint);
    });
  }

  function send(root, challenge, taken) {
    var total = taken.frames.length + 1;
    var done = 0;
    function progress() {
      done += 1;
      say(root, "status", text(root, "sending", { done: done, total: total }));
    }
    say(root, "status", text(root, "sending", { done: 0, total: total }));
    return taken.selfie.then(function (blob) {
      checkSize(root, blob, root.dataset.maxImageBytes);
      return api(root, "PUT", "/parts/SELFIE", blob, "image/jpeg");
    }).then(function () {
      progress();
      return taken.frames.reduce(function (previous, item, index) {
        return previous.then(function () { return item.blob; }).then(function (blob) {
          checkSize(root, blob, root.dataset.maxBytes);
          var query = "?captured_at_ms=" + item.t + "&challenge_id=" +
            encodeURIComponent(challenge.challenge_id);
          return api(root, "PUT", "/frames/" + index + query, blob, "image/jpeg");
        }).then(progress);
      }, Promise.resolve());
    });
  }

  function selfieVideo(root) {
    var start = root.querySelector('[data-action="start"]');
    var stage = root.querySelector('[data-role="stage"]');
    var video = root.querySelector('[data-role="video"]');
    start.addEventListener("click", function () {
      var stream = null;
      var challenge = null;
      start.disabled = true;
      say(root, "problem", "");
      api(root, "POST", "/challenges?renew=liveness").then(function (issued) {
        challenge = issued.liveness_challenge;
        return openCamera("user", 480, 640);
      }).then(function (opened) {
        stream = opened;
        video.srcObject = stream;
        show(stage, true);
        if (stage.requestFullscreen) { stage.requestFullscreen().catch(function () {}); }
        return video.play();
      }).then(function () {
        return record(root, challenge, video, stage);
      }).then(function (taken) {
        stop(stream);
        show(stage, false);
        if (document.fullscreenElement && document.exitFullscreen) {
          document.exitFullscreen().catch(function () {});
        }
        return send(root, challenge, taken);
      }).then(function () {
        say(root, "status", text(root, "sent"));
        window.location.assign(root.dataset.next);
      }).catch(function (error) {
        stop(stream);
        show(stage, false);
        start.disabled = false;
        start.textContent = text(root, "retry");
        fail(root, codeOf(error));
        start.focus();
      });
    });
  }

  function init() {
    var page = document.querySelector('[data-capture="page"]');
    var selfie = document.querySelector('[data-capture="selfie"]');
    var camera = Boolean(navigator.mediaDevices && navigator.mediaDevices.getUserMedia &&
                         window.fetch && window.Promise);
    if (page) {
      show(page, true);
      if (camera) { pagePhoto(page); } else {
        show(page.querySelector('[data-action="camera"]'), false);
        fail(page, "no_camera");
      }
    }
    if (selfie) {
      show(selfie, true);
      if (camera) { selfieVideo(selfie); } else {
        show(selfie.querySelector('[data-action="start"]'), false);
        fail(selfie, "no_camera");
      }
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
