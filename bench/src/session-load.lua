-- wrk script: a mix of session reads (GET) and writes (POST) over a fixed set of keys, counted by status.
-- Arguments (after `--`): base_path key_bytes value_bytes key_count reads writes [header_name header_value]...
--   base_path   the session route's prefix, e.g. /sessions/v1/
--   key_bytes   length of every key; key i is "k" followed by i zero-padded (bench/src/workloads.ts makes the same)
--   value_bytes length of every value written
--   key_count   keys 0 .. key_count-1 (the benchmark stored them all before the run, so reads hit)
--   reads, writes  the mix: out of every reads+writes requests, `writes` are POSTs
--   header_name, header_value  a header every request carries (a trusted proxy's X-Forwarded-Client-Cert,
--                              Connection: close); as many pairs as given
-- At the end it prints one line `WRK_RESULT {json}` with the totals, latency percentiles (µs) and statuses.

local threads = {}

function setup(thread)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

local gets, posts = {}, {}
local reads, writes, cycle, sent = 1, 0, 1, 0
statuses = {}

local function key_of(index, key_bytes)
  return "k" .. string.format("%0" .. (key_bytes - 1) .. "d", index)
end

local function value_of(value_bytes)
  local alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
  local repeated = string.rep(alphabet, math.ceil(value_bytes / #alphabet))
  return string.sub(repeated, 1, value_bytes)
end

function init(args)
  local base_path = args[1]
  local key_bytes, value_bytes, key_count = tonumber(args[2]), tonumber(args[3]), tonumber(args[4])
  reads, writes = tonumber(args[5]), tonumber(args[6])
  cycle = reads + writes
  math.randomseed(os.time() + 7919 * (thread_index or 0))
  -- Requests are formatted once: the load loop only picks one, so wrk spends its time on the wire.
  local value = value_of(value_bytes)
  local headers, post_headers = {}, { ["Content-Type"] = "application/octet-stream" }
  for i = 7, #args - 1, 2 do
    headers[args[i]] = args[i + 1]
    post_headers[args[i]] = args[i + 1]
  end
  for i = 0, key_count - 1 do
    local path = base_path .. key_of(i, key_bytes)
    if reads > 0 then gets[#gets + 1] = wrk.format("GET", path, headers) end
    if writes > 0 and #posts < 1024 then posts[#posts + 1] = wrk.format("POST", path, post_headers, value) end
  end
  -- With fewer than 1024 keys every key is written; with more, a random sample of them.
  if writes > 0 and key_count > 1024 then
    for i = 1, #posts do
      local path = base_path .. key_of(math.random(0, key_count - 1), key_bytes)
      posts[i] = wrk.format("POST", path, post_headers, value)
    end
  end
end

function request()
  sent = sent + 1
  if writes > 0 and sent % cycle < writes then
    return posts[math.random(#posts)]
  end
  return gets[math.random(#gets)]
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local totals = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses") or {}) do
      totals[status] = (totals[status] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(totals) do
    parts[#parts + 1] = string.format('"%d":%d', status, count)
  end
  local errors = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests":%d,"duration_us":%d,"bytes":%d,' ..
      '"errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d},' ..
      '"latency_us":{"p50":%d,"p99":%d,"p999":%d,"max":%d,"mean":%.1f},"statuses":{%s}}\n',
    summary.requests, summary.duration, summary.bytes,
    errors.connect, errors.read, errors.write, errors.timeout,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9), latency.max, latency.mean,
    table.concat(parts, ",")))
end
