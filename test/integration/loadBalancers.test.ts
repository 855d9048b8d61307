import { ACMClient, RequestCertificateCommand } from "@aws-sdk/client-acm"
import { CreateLoadBalancerCommand, ElasticLoadBalancingClient } from "@aws-sdk/client-elastic-load-balancing"
import { CreateHostedZoneCommand, Route53Client } from "@aws-sdk/client-route-53"
import { Layer } from "effect"
import { AwsClients } from "../../src/layers/AwsClients.ts"
import { LoadBalancersLive } from "../../src/layers/LoadBalancersLive.ts"
import { loadBalancersContract } from "../contract/loadBalancers.ts"
import { motoEndpoint, sdkConfig, seedInstances, TEST_REGION, useMoto } from "../support/moto.ts"

process.env.AWS_ACCESS_KEY_ID = "testing"
process.env.AWS_SECRET_ACCESS_KEY = "testing"

useMoto()

let seeded = 0
loadBalancersContract("live on moto", {
  make: async (seed) => {
    const instanceIds = seed.instances > 0 ? await seedInstances(seed.instances, { namePrefix: `lbc${++seeded}-` }) : []
    const elb = new ElasticLoadBalancingClient(sdkConfig())
    const acm = new ACMClient(sdkConfig())
    const r53 = new Route53Client(sdkConfig())
    try {
      for (const name of seed.classic ?? []) {
        await elb.send(new CreateLoadBalancerCommand({
          LoadBalancerName: name,
          Listeners: [{ Protocol: "HTTP", LoadBalancerPort: 80, InstanceProtocol: "HTTP", InstancePort: 8080 }],
          AvailabilityZones: [`${TEST_REGION}a`]
        }))
      }
      // moto issues a certificate at once when a private CA is named (an Amazon-issued one waits for validation).
      for (const domain of seed.certificates ?? []) {
        await acm.send(new RequestCertificateCommand({
          DomainName: domain,
          CertificateAuthorityArn: `arn:aws:acm-pca:${TEST_REGION}:123456789012:certificate-authority/contract`
        }))
      }
      for (const name of seed.zones ?? []) {
        await r53.send(new CreateHostedZoneCommand({ Name: name, CallerReference: `contract-${name}-${seeded}` }))
      }
    } finally {
      elb.destroy()
      acm.destroy()
      r53.destroy()
    }
    const env = AwsClients.layerStatic({ region: TEST_REGION, profile: undefined, endpointUrl: motoEndpoint(), maxAttempts: 1 })
    return { layer: LoadBalancersLive.pipe(Layer.provide(env)), instanceIds }
  }
})
