-- Client authentication. CLIENT_ID with SECRET (warm: the same right secret again and
-- again), or with secrets from SECRETS_FILE (cold: well-formed wrong secrets, each one
-- pays a full Argon2 verification).
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
