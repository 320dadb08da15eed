import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A CloudFormation resource as it stands in a synthesized template. */
export interface TemplateResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DependsOn?: string | string[];
}

export interface Template {
  Resources: Record<string, TemplateResource>;
  Outputs?: Record<string, { Value: unknown; Export?: { Name: string } }>;
}

/** One stack of the cloud assembly with its template and where its file assets are. */
export interface AssemblyStack {
  stackName: string;
  template: Template;
  /** Asset hash (the S3 key without `.zip`) → directory inside the assembly. */
  assetDirectories: Map<string, string>;
}

interface Manifest {
  artifacts: Record<
    string,
    {
      type: string;
      properties?: { templateFile?: string; stackName?: string };
      dependencies?: string[];
    }
  >;
}

interface AssetManifest {
  files?: Record<string, { source: { path: string; packaging?: string } }>;
}

/**
 * Reads a synthesized cloud assembly (`cdk.out`): every stack in dependency order, so
 * that a stack's imports are known before it is provisioned.
 */
export function readCloudAssembly(directory: string): AssemblyStack[] {
  const manifest = JSON.parse(readFileSync(join(directory, 'manifest.json'), 'utf8')) as Manifest;
  const stacks = Object.entries(manifest.artifacts).filter(
    ([, artifact]) => artifact.type === 'aws:cloudformation:stack',
  );
  const byId = new Map(stacks);
  const ordered: string[] = [];
  const visit = (id: string) => {
    if (ordered.includes(id) || !byId.has(id)) return;
    for (const dependency of byId.get(id)?.dependencies ?? []) visit(dependency);
    ordered.push(id);
  };
  for (const [id] of stacks) visit(id);

  return ordered.map((id) => {
    const artifact = byId.get(id);
    const templateFile = artifact?.properties?.templateFile ?? `${id}.template.json`;
    const template = JSON.parse(readFileSync(join(directory, templateFile), 'utf8')) as Template;
    const assetDirectories = new Map<string, string>();
    for (const dependency of artifact?.dependencies ?? []) {
      const assetArtifact = manifest.artifacts[dependency];
      if (assetArtifact?.type !== 'cdk:asset-manifest') continue;
      const file = (assetArtifact.properties as { file?: string } | undefined)?.file;
      if (!file) continue;
      const assets = JSON.parse(readFileSync(join(directory, file), 'utf8')) as AssetManifest;
      for (const [hash, asset] of Object.entries(assets.files ?? {})) {
        assetDirectories.set(hash, join(directory, asset.source.path));
      }
    }
    return { stackName: artifact?.properties?.stackName ?? id, template, assetDirectories };
  });
}
