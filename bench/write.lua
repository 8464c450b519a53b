-- WRITE_KIND = patch | rotate | create | mixed (90% GET, 10% PATCH), on random apps of IDS_FILE.
local ids = {}
for line in io.lines(os.getenv("IDS_FILE")) do ids[#ids + 1] = line end
local kind = os.getenv("WRITE_KIND")
local json = { ["Authorization"] = "Bearer " .. os.getenv("TOKEN"), ["Content-Type"] = "application/json" }
local plain = { ["Authorization"] = "Bearer " .. os.getenv("TOKEN") }
local counter = 0
request = function()
  counter = counter + 1
  local id = ids[math.random(#ids)]
  if kind == "patch" or (kind == "mixed" and math.random(10) == 1) then
    return wrk.format("PATCH", "/api/oauth-applications/" .. id, json, '{"name":"Bench ' .. counter .. '"}')
  elseif kind == "mixed" then
    return wrk.format("GET", "/api/oauth-applications/" .. id, plain)
  elseif kind == "rotate" then
    return wrk.format("POST", "/api/oauth-applications/" .. id .. "/rotate-secret", plain)
  else
    return wrk.format("POST", "/api/oauth-applications", json,
      '{"ownerOrgId":"bench-new","name":"Created","type":"web","redirectUrls":["https://b.example/cb"]}')
  end
end
