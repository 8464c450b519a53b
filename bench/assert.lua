-- Client authentication by client assertion (private_key_jwt): every request sends an
-- assertion of ASSERTIONS_FILE (one a line, each with its own jti) that no other request
-- sends. wrk gives each thread its own Lua state: thread i of ASSERT_THREADS takes lines
-- i, i + ASSERT_THREADS, ... and never sends one twice. Every answer must be valid: done()
-- prints "answers: N valid, M not valid, K unsent" (unsent: the thread ran out of lines
-- and stopped).
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

local headers = { ["Authorization"] = "Bearer " .. os.getenv("AUTH_TOKEN"), ["Content-Type"] = "application/json" }
local bodies = {}
local next_body = 1

function init(args)
  valid, refused, unsent = 0, 0, 0
  local stride = tonumber(os.getenv("ASSERT_THREADS"))
  local n = 0
  for line in io.lines(os.getenv("ASSERTIONS_FILE")) do
    if n % stride == id then
      bodies[#bodies + 1] = '{"clientAssertionType":"urn:ietf:params:oauth:client-assertion-type:jwt-bearer","clientAssertion":"'
        .. line .. '"}'
    end
    n = n + 1
  end
end

function request()
  local body = bodies[next_body]
  if body == nil then
    -- Out of lines: stop rather than replay one (a replay is refused and counted).
    unsent = unsent + 1
    wrk.thread:stop()
    body = bodies[#bodies]
  else
    next_body = next_body + 1
  end
  return wrk.format("POST", "/api/client-authentication", headers, body)
end

function response(status, headers, body)
  if status == 200 and string.find(body, '"valid":true', 1, true) then
    valid = valid + 1
  else
    refused = refused + 1
  end
end

function done(summary, latency, requests)
  local v, r, u = 0, 0, 0
  for _, thread in ipairs(threads) do
    v = v + thread:get("valid")
    r = r + thread:get("refused")
    u = u + thread:get("unsent")
  end
  io.write(string.format("answers: %d valid, %d not valid, %d unsent\n", v, r, u))
end
