{
  "targets": [
    {
      "target_name": "ovs_native",
      "sources": ["ovs_native.c"],
      "cflags": ["-O2", "-Wall"]
    }
  ]
}
