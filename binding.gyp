{
  "targets": [
    {
      "target_name": "daemonproxy_sys",
      "sources": ["src/native/sys.c"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-O2"],
      "defines": ["_GNU_SOURCE", "NAPI_VERSION=8"]
    }
  ]
}
