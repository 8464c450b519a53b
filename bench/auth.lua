-- Client authentication. CLIENT_ID with SECRET (warm: the same right secret again and
-- again), or with secrets from SECRETS_FILE (cold: well-formed wrong secrets, each one
-- pays a full Argon2 verification). With CHECK_ANSWERS=1 every answer must be valid:
-- done() prints "answers: N valid, M not valid, 0 unsent".
local client = os.getenv("CLIENT_ID")
local secrets = {}
local file = os.getenv("SECRETS_FILE")
if file and file ~= "" then
  for line in io.lines(file) do secrets[#secrets + 1] = line end
else
  secrets[1] = os.getenv("SECRET")
end
local headers = { ["Authorization"] = "Bearer " .. os.getenv("AUTH_TOKEN"), ["Content-Type"] = "application/json" }
request = function()
  local secret = secrets[math.random(#secrets)]
  return wrk.format("POST", "/api/client-authentication", headers,
    '{"clientId":"' .. client .. '","clientSecret":"' .. secret .. '"}')
end

if os.getenv("CHECK_ANSWERS") == "1" then
  local threads = {}
  setup = function(thread) table.insert(threads, thread) end
  init = function(args) valid, refused = 0, 0 end
  response = function(status, headers, body)
    if status == 200 and string.find(body, '"valid":true', 1, true) then
      valid = valid + 1
    else
      refused = refused + 1
    end
  end
  done = function(summary, latency, requests)
    local v, r = 0, 0
    for _, thread in ipairs(threads) do
      v = v + thread:get("valid")
      r = r + thread:get("refused")
    end
    io.write(string.format("answers: %d valid, %d not valid, 0 unsent\n", v, r))
  end
end
